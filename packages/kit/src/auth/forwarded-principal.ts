import { Metadata } from '@grpc/grpc-js';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Principal } from './principal';
import { isScope } from './scopes';

/** Metadata carrying the caller the gateway (or a service) already authenticated. */
export const PRINCIPAL_KEY = 'x-l1g1-principal';
/** HMAC-SHA256 of {@link PRINCIPAL_KEY}'s value under the suite's internal secret. */
export const PRINCIPAL_SIG_KEY = 'x-l1g1-principal-sig';

/** A signed principal older than this is refused (bounds replay of a captured header). */
const MAX_AGE_MS = 5 * 60_000;

function sign(value: string, secret: string): string {
  return createHmac('sha256', secret).update(value, 'utf8').digest('base64url');
}

/**
 * Serialises and signs `principal` for a call to another of our services.
 * Only holders of the internal secret (our processes) can produce one, so a
 * client that sets the header itself is ignored.
 */
export function signPrincipal(principal: Principal, secret: string, nowMs = Date.now()): { value: string; signature: string } {
  const value = Buffer.from(
    JSON.stringify({ id: principal.id, name: principal.name, scopes: principal.scopes, model_patterns: principal.modelPatterns, anonymous: principal.anonymous, iat: nowMs }),
    'utf8',
  ).toString('base64url');
  return { value, signature: sign(value, secret) };
}

/** Sets the signed principal on `metadata` (replacing any value there). */
export function setForwardedPrincipal(metadata: Metadata, principal: Principal, secret: string): Metadata {
  const { value, signature } = signPrincipal(principal, secret);
  metadata.set(PRINCIPAL_KEY, value);
  metadata.set(PRINCIPAL_SIG_KEY, signature);
  return metadata;
}

/** Metadata holding only a signed principal (tests and service-to-service calls). */
export function forwardedPrincipalMetadata(principal: Principal, secret: string): Metadata {
  return setForwardedPrincipal(new Metadata(), principal, secret);
}

/**
 * The forwarded principal when its signature verifies and it is fresh;
 * `undefined` when there is none; `'invalid'` when one was sent but does not
 * verify (forged, stale or malformed).
 */
export function readForwardedPrincipal(metadata: Metadata, secret: string, nowMs = Date.now()): Principal | 'invalid' | undefined {
  const value = metadata.get(PRINCIPAL_KEY)[0];
  const signature = metadata.get(PRINCIPAL_SIG_KEY)[0];
  if (value === undefined && signature === undefined) return undefined;
  if (typeof value !== 'string' || typeof signature !== 'string' || !secret) return 'invalid';
  const expected = Buffer.from(sign(value, secret));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'invalid';
  try {
    const p = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Record<string, unknown>;
    const iat = p['iat'];
    if (typeof iat !== 'number' || Math.abs(nowMs - iat) > MAX_AGE_MS) return 'invalid';
    if (typeof p['id'] !== 'string' || typeof p['name'] !== 'string') return 'invalid';
    const scopes = Array.isArray(p['scopes']) ? p['scopes'].filter(isScope) : [];
    const patterns = Array.isArray(p['model_patterns']) ? p['model_patterns'].filter((x): x is string => typeof x === 'string') : [];
    return { id: p['id'], name: p['name'], scopes, modelPatterns: patterns, qps: 0, anonymous: p['anonymous'] === true };
  } catch {
    return 'invalid';
  }
}
