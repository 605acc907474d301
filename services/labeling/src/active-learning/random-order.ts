/**
 * The RANDOM queue order: a seeded shuffle of a project's tasks per
 * annotator. Each task's import position `seq` is mapped by an affine
 * permutation modulo a prime, `(seq · multiplier + offset) mod P`, whose
 * multiplier and offset come from a hash of (project, seed, annotator): the
 * same inputs always give the same order, two annotators (or two seeds) get
 * different ones, and because the map is a bijection no two tasks share a
 * key, so the order is a permutation of the tasks. Plain integer arithmetic
 * keeps it one ORDER BY expression on SQLite and PostgreSQL alike (neither
 * has a hash function the other shares).
 */
import { createHash } from 'node:crypto';

/** 2^31 - 1, a prime larger than any task position; products stay far inside int64. */
export const SHUFFLE_MODULUS = 2_147_483_647;

export interface ShuffleKey {
  /** In [1, P - 1]: never 0, so the map is a bijection. */
  multiplier: number;
  /** In [0, P - 1]. */
  offset: number;
}

/** The shuffle of `annotator` in `projectId` under `seed`. */
export function shuffleKey(projectId: string, seed: number, annotator: string): ShuffleKey {
  const h = createHash('sha256').update(JSON.stringify([projectId, seed, annotator])).digest();
  return { multiplier: 1 + (h.readUInt32BE(0) % (SHUFFLE_MODULUS - 1)), offset: h.readUInt32BE(4) % SHUFFLE_MODULUS };
}

/** The sort key of task position `seq` (what the store's ORDER BY computes), for tests and in-memory orders. */
export function shuffledPosition(seq: number, key: ShuffleKey): number {
  return Number((BigInt(seq) * BigInt(key.multiplier) + BigInt(key.offset)) % BigInt(SHUFFLE_MODULUS));
}
