import { L1g1Error } from '../errors';
import { parseApiKey, secretMatches } from './api-key';
import type { ApiKeyRecord, KeyStore } from './key-store';
import type { Principal } from './principal';

export interface KeyVerifierOptions {
  store: KeyStore;
  /**
   * How long a looked-up key is trusted without asking the store again: a
   * revocation takes effect in every process within this time.
   */
  cacheTtlMs: number;
  /** Most key ids remembered (least recently used go first). */
  maxCachedKeys?: number;
  now?: () => number;
}

/** Turns a presented key into a principal, or refuses it (UNAUTHENTICATED). */
export interface KeyVerifier {
  verify(presented: string): Promise<Principal>;
  /** Drops a key from this process's cache (the process that revokes it sees that at once). */
  forget(id: string): void;
}

interface CacheEntry {
  expiresAt: number;
  found: { record: ApiKeyRecord; secretHash: string } | undefined;
}

export function unauthenticated(message: string, reason = 'INVALID_API_KEY'): L1g1Error {
  return new L1g1Error('UNAUTHENTICATED', message, { reason, field: 'authorization' });
}

export function principalOf(record: ApiKeyRecord): Principal {
  return { id: record.id, name: record.name, scopes: record.scopes, modelPatterns: record.modelPatterns, qps: record.qps, anonymous: false };
}

/**
 * Verification with a bounded, short-lived cache of store lookups: a hot key
 * costs one sha256 and a Map hit per request, unknown ids are cached too (so
 * a flood of made-up keys does not become a flood of queries), and nothing
 * is trusted for longer than `cacheTtlMs`.
 */
export function createKeyVerifier(options: KeyVerifierOptions): KeyVerifier {
  const now = options.now ?? Date.now;
  const max = options.maxCachedKeys ?? 10_000;
  const cache = new Map<string, CacheEntry>();

  async function lookup(id: string): Promise<CacheEntry['found']> {
    const t = now();
    const hit = cache.get(id);
    if (hit && hit.expiresAt > t) {
      // Map order is recency order: move the hit to the back.
      cache.delete(id);
      cache.set(id, hit);
      return hit.found;
    }
    const found = await options.store.findForVerification(id);
    cache.delete(id);
    cache.set(id, { expiresAt: t + options.cacheTtlMs, found });
    while (cache.size > max) cache.delete(cache.keys().next().value as string);
    if (found && !found.record.revokedAt) {
      // Recorded once per cache window, not per request.
      options.store.touch(id, new Date(t)).catch(() => undefined);
    }
    return found;
  }

  return {
    async verify(presented) {
      const parsed = parseApiKey(presented);
      if (!parsed) throw unauthenticated('the API key is malformed (expected l1g1_<id>_<secret>)');
      const found = await lookup(parsed.id);
      if (!found || !secretMatches(parsed.secret, found.secretHash)) throw unauthenticated('the API key is not valid');
      if (found.record.revokedAt) throw unauthenticated('the API key was revoked', 'API_KEY_REVOKED');
      return principalOf(found.record);
    },
    forget(id) {
      cache.delete(id);
    },
  };
}
