import type { Metadata } from '@grpc/grpc-js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  ANONYMOUS,
  bearerToken,
  createTokenBuckets,
  forwardedPrincipalMetadata,
  L1g1Error,
  mayDo,
  modelAllowed,
  unauthenticated,
  type Principal,
  type RateDecision,
  type Requirement,
} from '@l1g1/kit';
import type { GatewayAuth } from './gateway-auth';
import { defaultRequirement } from './route-scope';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the route needs; unset = `defaultRequirement(method, url)`. */
    scope?: Requirement;
  }
  interface FastifyRequest {
    /** The authenticated caller (set in onRequest; anonymous on public routes). */
    principal: Principal;
    /** Metadata for upstream calls: the caller's principal, signed with the internal secret. */
    upstreamMetadata(): Metadata;
  }
}

function setRateHeaders(reply: FastifyReply, d: RateDecision): void {
  // IETF draft-ietf-httpapi-ratelimit-headers (the widely deployed -03 form).
  reply.header('ratelimit-limit', String(d.limit));
  reply.header('ratelimit-remaining', String(d.remaining));
  reply.header('ratelimit-reset', String(d.resetSeconds));
}

function refuseRate(reply: FastifyReply, d: RateDecision, what: string): never {
  setRateHeaders(reply, d);
  throw new L1g1Error('RESOURCE_EXHAUSTED', `${what} allows ${d.limit} requests per second; retry shortly`, { reason: 'RATE_LIMITED', retryAfterMs: d.retryAfterMs });
}

/** The model a request is about: the `:name` route parameter (`name@alias` → `name`), or `?model=`. */
function modelOf(req: FastifyRequest): string | undefined {
  const params = req.params as Record<string, string | undefined> | undefined;
  const raw = params?.['name'] ?? (req.query as Record<string, string | undefined> | undefined)?.['model'];
  if (typeof raw !== 'string' || raw === '') return undefined;
  return raw.split('@', 1)[0];
}

/**
 * Authentication, authorisation and per-key/per-model rate limits for every
 * route, decided in onRequest (before any body byte is read). Each route's
 * requirement is a route option (`config: { scope }`) with a safe default,
 * so new routes plug in without auth code in their handlers.
 */
export function installAuth(app: FastifyInstance, auth: GatewayAuth): void {
  const buckets = createTokenBuckets();
  // Fastify refuses object defaults on requests (they would be shared); null until onRequest sets it.
  app.decorateRequest('principal', null as unknown as Principal);
  app.decorateRequest('upstreamMetadata', function upstreamMetadata(this: FastifyRequest): Metadata {
    return forwardedPrincipalMetadata(this.principal ?? ANONYMOUS, auth.internalSecret);
  });

  app.addHook('onRequest', async (req, reply) => {
    req.principal = ANONYMOUS;
    const url = req.routeOptions.url;
    if (url === undefined) return; // no route: the 404 handler answers
    const required = req.routeOptions.config.scope ?? defaultRequirement(req.method, url);
    if (required === 'public') return;

    let principal: Principal | undefined;
    const header = req.headers.authorization;
    if (header !== undefined) {
      const key = bearerToken(header);
      try {
        if (!key) throw unauthenticated('authorization must be "Bearer <API key>"');
        principal = await auth.verifier.verify(key);
      } catch (err) {
        reply.header('www-authenticate', 'Bearer');
        throw err;
      }
    } else if (auth.allowAnonymous) {
      principal = ANONYMOUS;
    }
    if (!principal || (principal.anonymous && !mayDo(principal, required))) {
      reply.header('www-authenticate', 'Bearer');
      throw unauthenticated(`${req.method} ${url} needs an API key with scope "${required}": send "authorization: Bearer <key>"`, 'MISSING_API_KEY');
    }
    if (!mayDo(principal, required)) {
      throw new L1g1Error('PERMISSION_DENIED', `key "${principal.name}" lacks scope "${required}" needed by ${req.method} ${url}`, { reason: 'MISSING_SCOPE', field: 'authorization' });
    }
    const model = modelOf(req);
    if (model !== undefined && !modelAllowed(principal, model)) {
      throw new L1g1Error('PERMISSION_DENIED', `key "${principal.name}" may not use model "${model}"`, { reason: 'MODEL_NOT_ALLOWED', field: 'authorization' });
    }

    // Anonymous callers share nothing: each address gets its own bucket.
    const bucketKey = principal.anonymous ? `ip:${req.ip}` : `key:${principal.id}`;
    const keyDecision = buckets.take(bucketKey, principal.qps > 0 ? principal.qps : auth.defaultKeyQps);
    if (!keyDecision.allowed) refuseRate(reply, keyDecision, principal.anonymous ? 'anonymous access' : `key "${principal.name}"`);
    if (required === 'predict' && model !== undefined) {
      const modelDecision = buckets.take(`model:${model}`, auth.modelQps);
      if (!modelDecision.allowed) refuseRate(reply, modelDecision, `model "${model}"`);
    }
    if (keyDecision.limit > 0) setRateHeaders(reply, keyDecision);
    req.principal = principal;
  });
}
