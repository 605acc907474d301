import {
  Server,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type UntypedServiceImplementation,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { Http2Server, Http2Session } from 'node:http2';
import { join, relative, resolve } from 'node:path';
import { withGrpcAuth, type GrpcAuth, type MethodScopes } from './auth/grpc-auth';
import { grpcServerCredentials, type GrpcTls } from './auth/grpc-tls';
import { errors, toServiceError } from './errors';
import type { Logger } from './logger';

type Req<M> = M extends { requestDeserialize: (b: Buffer) => infer R } ? R : never;
type Res<M> = M extends { responseSerialize: (v: infer R) => Buffer } ? R : never;

/** Handler shapes by streaming kind: async everywhere, errors thrown. */
export type AsyncHandler<M> = M extends { requestStream: false; responseStream: false }
  ? (request: Req<M>, call: ServerUnaryCall<Req<M>, Res<M>>) => Promise<Res<M>>
  : M extends { requestStream: true; responseStream: false }
    ? (call: ServerReadableStream<Req<M>, Res<M>>) => Promise<Res<M>>
    : M extends { requestStream: false; responseStream: true }
      ? (request: Req<M>, call: ServerWritableStream<Req<M>, Res<M>>) => Promise<void>
      : (call: ServerDuplexStream<Req<M>, Res<M>>) => Promise<void>;

/** An async implementation of a ts-proto grpc-js service definition. */
export type AsyncService<D> = { [K in keyof D]: AsyncHandler<D[K]> };

interface MethodShape {
  requestStream: boolean;
  responseStream: boolean;
}

const MALFORMED = Symbol('l1g1.malformed');

interface Malformed {
  [MALFORMED]: string;
}

function isMalformed(value: unknown): value is Malformed {
  return typeof value === 'object' && value !== null && MALFORMED in value;
}

/**
 * grpc-js answers INTERNAL when a request does not decode. Bad bytes are the
 * caller's fault: decoding failures are caught here and the handler adapter
 * answers INVALID_ARGUMENT instead (the method still never sees them).
 */
export function tolerantDefinition(definition: ServiceDefinition): ServiceDefinition {
  const out: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(definition)) {
    const decode = method.requestDeserialize;
    out[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer): unknown => {
        try {
          return decode(bytes);
        } catch (err) {
          return { [MALFORMED]: err instanceof Error ? err.message : String(err) } satisfies Malformed;
        }
      },
    };
  }
  return out as ServiceDefinition;
}

function malformedError(m: Malformed) {
  return errors.invalidArgument('request', `not a valid protobuf message for this method (${m[MALFORMED]})`, { reason: 'MALFORMED_REQUEST' });
}

/**
 * Adapts async handlers to grpc-js callbacks, with the error interceptor:
 * every thrown error goes through the catalogue (`toServiceError`).
 */
export function toGrpcImplementation<D extends Record<string, MethodShape>>(
  definition: D,
  impl: AsyncService<D>,
  logger: Logger,
): UntypedServiceImplementation {
  const out: UntypedServiceImplementation = {};
  for (const [name, method] of Object.entries(definition)) {
    // The mapped type cannot be narrowed per key at run time; each branch
    // below calls the handler with the arguments its method kind declares.
    const handler = (impl as Record<string, (...args: unknown[]) => Promise<unknown>>)[name];
    if (!handler) continue;
    const fn = handler.bind(impl);
    if (!method.requestStream && !method.responseStream) {
      out[name] = (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
        if (isMalformed(call.request)) {
          callback(toServiceError(malformedError(call.request), logger));
          return;
        }
        fn(call.request, call).then(
          (res) => callback(null, res),
          (err: unknown) => callback(toServiceError(err, logger)),
        );
      };
    } else if (method.requestStream && !method.responseStream) {
      out[name] = (call: ServerReadableStream<unknown, unknown>, callback: sendUnaryData<unknown>) => {
        fn(call).then(
          (res) => callback(null, res),
          (err: unknown) => callback(toServiceError(err, logger)),
        );
      };
    } else if (!method.requestStream) {
      out[name] = (call: ServerWritableStream<unknown, unknown>) => {
        if (isMalformed(call.request)) {
          call.emit('error', toServiceError(malformedError(call.request), logger));
          return;
        }
        fn(call.request, call).then(
          () => call.end(),
          (err: unknown) => {
            if (!call.cancelled) call.emit('error', toServiceError(err, logger));
          },
        );
      };
    } else {
      out[name] = (call: ServerDuplexStream<unknown, unknown>) => {
        fn(call).then(
          () => call.end(),
          (err: unknown) => {
            if (!call.cancelled) call.emit('error', toServiceError(err, logger));
          },
        );
      };
    }
  }
  return out;
}

export interface ServiceBinding {
  /** Fully qualified service name, e.g. `l1g1.inference.v1.InferenceService`. */
  name: string;
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
  /** What each method needs (see `withGrpcAuth`); used when the server has `auth`. */
  methodScopes?: MethodScopes;
}

export interface GrpcServerOptions {
  logger: Logger;
  services: ServiceBinding[];
  /** Max inbound message size (bytes); default 64 MiB. */
  maxReceiveMessageBytes?: number;
  /** HTTP/2 receive window per connection and per stream (bytes); default 8 MiB / 4 MiB. */
  receiveWindowBytes?: number;
  /**
   * Authentication of every call of `services` (health and reflection stay
   * public). Unset: no checks (in-process tests of a single service only).
   */
  auth?: GrpcAuth;
  /** TLS certificate and key; unset = plaintext. */
  tls?: GrpcTls;
}

/**
 * Widens the HTTP/2 receive windows of a grpc-js server. Node's default is
 * 64 KiB: with tensor-sized requests (16 KB+ each, dozens in flight) senders
 * stall on WINDOW_UPDATEs that wait for this event loop, and throughput
 * drops (measured: REST JSON through the gateway at 64 connections, 1,230 ->
 * 1,530 req/s; BENCHMARKS.md). grpc-js has client-side but no server-side
 * option for it, so this reaches its (private) HTTP/2 servers; if a future
 * grpc-js renames them, it does nothing rather than fail.
 */
function widenReceiveWindows(server: Server, connectionBytes: number): void {
  const servers = (server as unknown as { http2Servers?: Map<Http2Server, unknown> }).http2Servers;
  if (!(servers instanceof Map)) return;
  for (const h2 of servers.keys()) {
    h2.updateSettings?.({ initialWindowSize: Math.min(connectionBytes / 2, 2 ** 31 - 1) });
    h2.on('session', (session: Http2Session) => {
      try {
        session.setLocalWindowSize(connectionBytes);
      } catch {
        // An already-closed session: nothing to widen.
      }
    });
  }
}

export interface RunningGrpcServer {
  server: Server;
  port: number;
  address: string;
  health: HealthImplementation;
  /** Stops accepting, drains in-flight calls up to `graceMs`, then forces. */
  shutdown(graceMs?: number): Promise<void>;
}

/** The part of a grpc-js server call that reports cancellation. */
export interface CancellableCall {
  readonly cancelled: boolean;
  once(event: 'cancelled', listener: () => void): unknown;
}

/**
 * An AbortSignal that fires when the caller goes away (cancel, deadline,
 * dropped connection), so work it no longer waits for stops or never runs.
 */
export function cancellationSignal(call: CancellableCall): AbortSignal {
  const controller = new AbortController();
  if (call.cancelled) controller.abort();
  else call.once('cancelled', () => controller.abort());
  return controller.signal;
}

/** The repo's proto/ folder (next to packages/), for reflection. */
export function protoRoot(): string {
  return resolve(__dirname, '../../../proto');
}

function listProtos(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return listProtos(p);
    return name.endsWith('.proto') ? [p] : [];
  });
}

/** The health service every server adds (reflection lists it too). */
const HEALTH_SERVICE = 'grpc.health.v1.Health';

/** Fully qualified names of the services a .proto file declares (a text scan: no parsing needed). */
function declaredServices(text: string): string[] {
  const pkg = /^\s*package\s+([\w.]+)\s*;/m.exec(text)?.[1];
  return [...text.matchAll(/^\s*service\s+(\w+)\s*\{/gm)].map((m) => (pkg ? `${pkg}.${m[1]}` : m[1]!));
}

/**
 * Server reflection for exactly `serviceNames` (plus health): built per
 * server, so a port never advertises services it does not serve, and
 * nothing is cached at module level. Only the files declaring those
 * services are loaded (their imports follow), which keeps a server start
 * from parsing every contract of the suite.
 */
export function createReflection(serviceNames: readonly string[], root = protoRoot()): ReflectionService | undefined {
  if (!existsSync(root)) return undefined;
  const wanted = new Set([...serviceNames, HEALTH_SERVICE]);
  const files = listProtos(root).filter((p) => declaredServices(readFileSync(p, 'utf8')).some((name) => wanted.has(name)));
  if (files.length === 0) return undefined;
  const definition = loadSync(
    files.map((p) => relative(root, p)),
    { includeDirs: [root], keepCase: true, longs: String, enums: String, defaults: true },
  );
  return new ReflectionService(definition, { services: [...wanted] });
}

/**
 * Starts a gRPC server with health (grpc.health.v1: overall '' and one entry
 * per service) and server reflection, bound to `address` (port 0 = any).
 */
export async function startGrpcServer(address: string, options: GrpcServerOptions): Promise<RunningGrpcServer> {
  const maxBytes = options.maxReceiveMessageBytes ?? 64 * 1024 * 1024;
  const server = new Server({
    'grpc.max_receive_message_length': maxBytes,
    'grpc.max_send_message_length': maxBytes,
    // Our clients ping every second or so, with or without calls, to find a
    // hung peer fast (createGrpcClient). gRPC servers that police pings
    // (gRPC core, grpc-go: 5 min without calls by default) answer faster
    // ones with GOAWAY too_many_pings; grpc-js 1.14 does not police them,
    // but the policy is declared here so that it holds if it starts to.
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 500,
    'grpc.http2.min_time_between_pings_ms': 500,
    'grpc.http2.max_pings_without_data': 0,
  });
  const health = new HealthImplementation({ '': 'NOT_SERVING' });
  health.addToServer(server);
  createReflection(options.services.map((svc) => svc.name))?.addToServer(server);
  for (const svc of options.services) {
    // Auth hook: every call is authenticated before its handler (and before the malformed-request check) runs.
    const implementation = options.auth
      ? withGrpcAuth(svc.definition, svc.implementation, svc.methodScopes ?? {}, options.auth, options.logger)
      : svc.implementation;
    server.addService(tolerantDefinition(svc.definition), implementation);
  }
  const port = await new Promise<number>((resolvePort, reject) => {
    server.bindAsync(address, grpcServerCredentials(options.tls), (err, p) => (err ? reject(err) : resolvePort(p)));
  });
  widenReceiveWindows(server, options.receiveWindowBytes ?? 8 * 1024 * 1024);
  for (const svc of options.services) health.setStatus(svc.name, 'SERVING');
  health.setStatus('', 'SERVING');
  const host = address.slice(0, address.lastIndexOf(':'));
  return {
    server,
    port,
    address: `${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}`,
    health,
    shutdown: (graceMs = 5000) =>
      new Promise<void>((done) => {
        health.setStatus('', 'NOT_SERVING');
        for (const svc of options.services) health.setStatus(svc.name, 'NOT_SERVING');
        const timer = setTimeout(() => {
          server.forceShutdown();
          done();
        }, graceMs);
        timer.unref();
        server.tryShutdown(() => {
          clearTimeout(timer);
          done();
        });
      }),
  };
}
