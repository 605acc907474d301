import type {
  Metadata,
  ServerDuplexStream,
  ServerReadableStream,
  ServerUnaryCall,
  ServerWritableStream,
  UntypedServiceImplementation,
  sendUnaryData,
} from '@grpc/grpc-js';
import { L1g1Error, toServiceError } from '../errors';
import type { Logger } from '../logger';
import { bearerToken } from './api-key';
import { readForwardedPrincipal } from './forwarded-principal';
import type { KeyVerifier } from './key-verifier';
import { unauthenticated } from './key-verifier';
import { ANONYMOUS, mayDo, modelAllowed, type Principal } from './principal';
import type { Requirement } from './scopes';
import type { TokenBuckets } from './token-buckets';

/** The metadata the audit logs read (`actorOf`): always the authenticated principal's name. */
export const ACTOR_KEY = 'x-l1g1-actor';

/** Server-side authentication of gRPC calls, shared by every service. */
export interface GrpcAuth {
  verifier: KeyVerifier;
  /** Internal secret: forwarded principals signed with it are trusted. */
  internalSecret: string;
  allowAnonymous: boolean;
  /**
   * Per-key QPS for callers that come with their own key (or anonymously);
   * forwarded principals were limited by the gateway already.
   */
  rateLimit?: { buckets: TokenBuckets; defaultKeyQps: number };
}

/** Method name (as in the generated definition, e.g. `CreateVersion`) → what it needs. */
export type MethodScopes = Readonly<Record<string, Requirement>>;

/**
 * The model a request names, when it names one (for model-pattern keys):
 * `modelName`, `name`, `model.name`, or the same inside a oneof payload
 * (an upload stream's header).
 */
function modelNameOf(request: unknown, depth = 0): string | undefined {
  if (typeof request !== 'object' || request === null || depth > 1) return undefined;
  const r = request as Record<string, unknown>;
  for (const k of ['modelName', 'name']) if (typeof r[k] === 'string' && r[k] !== '') return r[k];
  const model = r['model'];
  if (typeof model === 'object' && model !== null && typeof (model as Record<string, unknown>)['name'] === 'string') {
    return (model as Record<string, string>)['name'];
  }
  const payload = r['payload'];
  if (typeof payload === 'object' && payload !== null) return modelNameOf((payload as Record<string, unknown>)['value'], depth + 1);
  return undefined;
}

/**
 * The first message of a client stream, put back for the handler to read
 * (undefined when the stream ends or fails first). Only pattern-limited keys
 * pay for this: their upload's model name arrives in the stream.
 */
function peekFirstMessage(call: ServerReadableStream<unknown, unknown>): Promise<unknown> {
  return new Promise((resolvePeek) => {
    const done = (message: unknown): void => {
      call.off('readable', onReadable);
      call.off('end', onEnd);
      call.off('error', onEnd);
      resolvePeek(message);
    };
    const onEnd = (): void => done(undefined);
    const onReadable = (): void => {
      const message: unknown = call.read();
      if (message === null) return;
      call.unshift(message);
      done(message);
    };
    call.on('readable', onReadable);
    call.once('end', onEnd);
    call.once('error', onEnd);
  });
}

/**
 * Who is calling: a forwarded principal signed with the internal secret
 * (the gateway, or another of our services), else an API key in
 * `authorization: Bearer`, else anonymous where allowed. A forwarded
 * principal that does not verify is refused, never silently downgraded.
 */
export async function authenticate(metadata: Metadata, auth: GrpcAuth): Promise<{ principal: Principal | undefined; forwarded: boolean }> {
  const forwarded = readForwardedPrincipal(metadata, auth.internalSecret);
  if (forwarded === 'invalid') throw unauthenticated('x-l1g1-principal is not signed by this suite', 'INVALID_FORWARDED_PRINCIPAL');
  if (forwarded) return { principal: forwarded, forwarded: true };
  const raw = metadata.get('authorization')[0];
  if (raw !== undefined) {
    const key = bearerToken(raw);
    if (!key) throw unauthenticated('authorization must be "Bearer <API key>"');
    return { principal: await auth.verifier.verify(key), forwarded: false };
  }
  return { principal: auth.allowAnonymous ? ANONYMOUS : undefined, forwarded: false };
}

/** The caller's host from a grpc-js peer string (`ipv4:1.2.3.4:5678`, `[::1]:5678`, ...). */
function peerHost(peer: string): string {
  return peer.replace(/^ipv[46]:/, '').replace(/:\d+$/, '');
}

/** RESOURCE_EXHAUSTED (with a retry hint) when a direct caller exceeds its key's QPS. */
function limitRate(principal: Principal, peer: string, auth: GrpcAuth): void {
  if (!auth.rateLimit) return;
  const bucket = principal.anonymous ? `ip:${peerHost(peer)}` : `key:${principal.id}`;
  const d = auth.rateLimit.buckets.take(bucket, principal.qps > 0 ? principal.qps : auth.rateLimit.defaultKeyQps);
  if (!d.allowed) {
    throw new L1g1Error('RESOURCE_EXHAUSTED', `${principal.anonymous ? 'anonymous access' : `key "${principal.name}"`} allows ${d.limit} requests per second; retry shortly`, {
      reason: 'RATE_LIMITED',
      retryAfterMs: d.retryAfterMs,
    });
  }
}

/** Throws unless `principal` may call a method needing `required` on `request`. */
export function authorize(principal: Principal | undefined, required: Requirement, request: unknown, method: string): Principal {
  if (required === 'public') return principal ?? ANONYMOUS;
  if (!principal) throw unauthenticated(`${method} needs an API key: send metadata "authorization: Bearer <key>"`, 'MISSING_API_KEY');
  if (!mayDo(principal, required)) {
    if (principal.anonymous) throw unauthenticated(`${method} needs an API key with scope "${required}"`, 'MISSING_API_KEY');
    throw new L1g1Error('PERMISSION_DENIED', `key "${principal.name}" lacks scope "${required}" needed by ${method}`, { reason: 'MISSING_SCOPE', field: 'authorization' });
  }
  const model = modelNameOf(request);
  if (model !== undefined && !modelAllowed(principal, model)) {
    throw new L1g1Error('PERMISSION_DENIED', `key "${principal.name}" may not use model "${model}"`, { reason: 'MODEL_NOT_ALLOWED', field: 'authorization' });
  }
  return principal;
}

interface MethodShape {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
}

/**
 * Wraps a service implementation so each call is authenticated and
 * authorised before its handler runs. Methods missing from `scopes` need
 * `write` (a new method is closed until someone decides otherwise). On
 * success the audit actor metadata is replaced by the principal's name, so
 * a client's own `x-l1g1-actor` is never believed. For a client stream
 * (an upload) of a pattern-limited key, the model name is read from the
 * stream's first message before the handler runs.
 */
export function withGrpcAuth(
  definition: Readonly<Record<string, MethodShape>>,
  implementation: UntypedServiceImplementation,
  scopes: MethodScopes,
  auth: GrpcAuth,
  logger: Logger,
): UntypedServiceImplementation {
  const out: UntypedServiceImplementation = {};
  for (const [name, handler] of Object.entries(implementation)) {
    const method = definition[name];
    if (!method) continue;
    const required = scopes[name] ?? 'write';
    const admit = async (call: { metadata: Metadata; getPeer(): string }, request: unknown, stream?: ServerReadableStream<unknown, unknown>): Promise<void> => {
      const { principal: caller, forwarded } = await authenticate(call.metadata, auth);
      let principal = authorize(caller, required, request, name);
      if (stream && principal.modelPatterns.length > 0) principal = authorize(principal, required, await peekFirstMessage(stream), name);
      if (!forwarded && required !== 'public') limitRate(principal, call.getPeer(), auth);
      call.metadata.set(ACTOR_KEY, principal.name);
    };
    // grpc-js handler shapes differ per streaming kind; each branch calls the original with its own arguments.
    const h = handler as (...args: unknown[]) => void;
    if (!method.requestStream && !method.responseStream) {
      out[name] = (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
        admit(call, call.request).then(
          () => h(call, callback),
          (err: unknown) => callback(toServiceError(err, logger)),
        );
      };
    } else if (method.requestStream && !method.responseStream) {
      out[name] = (call: ServerReadableStream<unknown, unknown>, callback: sendUnaryData<unknown>) => {
        admit(call, undefined, call).then(
          () => h(call, callback),
          (err: unknown) => callback(toServiceError(err, logger)),
        );
      };
    } else {
      out[name] = (call: ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>) => {
        const request = 'request' in call ? call.request : undefined;
        admit(call, request).then(
          () => h(call),
          (err: unknown) => call.emit('error', toServiceError(err, logger)),
        );
      };
    }
  }
  return out;
}
