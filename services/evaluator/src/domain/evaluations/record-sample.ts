/**
 * The `max_records` sample: records ranked by a hash of (seed, id) and the
 * lowest `max` kept. Uniform, reproducible for a seed, and independent of
 * the order ingestion streams records in.
 */
import { createHash } from 'node:crypto';

export function sampleRank(seed: number, id: string): string {
  return createHash('sha256').update(`${seed}\u0000${id}`).digest('hex');
}

/** Keeps the `max` items of lowest rank (all when max is 0), in rank order. */
export function sampleByHash<T extends { id: string }>(items: readonly T[], max: number, seed: number): T[] {
  if (max === 0 || items.length <= max) return [...items];
  return items
    .map((item) => ({ item, rank: sampleRank(seed, item.id) }))
    .sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0))
    .slice(0, max)
    .map((x) => x.item);
}
