import { createHash } from 'node:crypto';

/**
 * A record id's stable position in [0, 1) under a seed: the first 48 bits of
 * sha256(seed, id). Splits, samples and shards all derive from it, so they
 * depend only on the id and the seed — never on file order, run or machine —
 * and a record keeps its split when others are added or removed.
 * `salt` keeps the three uses independent of each other for the same seed.
 */
export function unitHash(id: string, seed: number | string, salt: string): number {
  const digest = createHash('sha256').update(`${salt}\u0000${seed}\u0000`).update(id, 'utf8').digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}
