/**
 * Written here rather than taken from @fastify/rate-limit: that plugin
 * counts fixed windows per HTTP key, while we need token buckets keyed by
 * the authenticated principal and by model, decided together in one hook,
 * usable outside fastify (gRPC later), and this is 60 lines.
 *
 * Token buckets keyed by caller or model, in a bounded map: a bucket holds
 * up to `qps` tokens (one second of burst) and refills at `qps` per second.
 * When the map is full the least recently used bucket is dropped (its owner
 * starts again with a full bucket: a bounded, documented leniency).
 */
export interface TokenBuckets {
  /** Takes one token for `key` at rate `qps`; `qps <= 0` means unlimited. */
  take(key: string, qps: number): RateDecision;
  readonly size: number;
}

export interface RateDecision {
  allowed: boolean;
  /** The limit (requests per second); 0 when unlimited. */
  limit: number;
  /** Whole tokens left after this request. */
  remaining: number;
  /** Seconds until the bucket is full again (RateLimit-Reset), or until one token is back when refused. */
  resetSeconds: number;
  /** When refused: milliseconds until one token is back. */
  retryAfterMs: number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

const UNLIMITED: RateDecision = Object.freeze({ allowed: true, limit: 0, remaining: 0, resetSeconds: 0, retryAfterMs: 0 });

export function createTokenBuckets(options: { maxKeys?: number; now?: () => number } = {}): TokenBuckets {
  const max = options.maxKeys ?? 10_000;
  const now = options.now ?? Date.now;
  const buckets = new Map<string, Bucket>();
  return {
    get size() {
      return buckets.size;
    },
    take(key, qps) {
      if (!(qps > 0)) return UNLIMITED;
      const t = now();
      let b = buckets.get(key);
      if (b) {
        buckets.delete(key);
        b.tokens = Math.min(qps, b.tokens + ((t - b.updatedMs) / 1000) * qps);
        b.updatedMs = t;
      } else {
        b = { tokens: qps, updatedMs: t };
      }
      buckets.set(key, b);
      while (buckets.size > max) buckets.delete(buckets.keys().next().value as string);
      const allowed = b.tokens >= 1;
      if (allowed) b.tokens -= 1;
      const retryAfterMs = allowed ? 0 : Math.ceil(((1 - b.tokens) / qps) * 1000);
      return {
        allowed,
        limit: qps,
        remaining: Math.floor(b.tokens),
        resetSeconds: allowed ? Math.ceil((qps - b.tokens) / qps) : Math.max(1, Math.ceil(retryAfterMs / 1000)),
        retryAfterMs,
      };
    },
  };
}
