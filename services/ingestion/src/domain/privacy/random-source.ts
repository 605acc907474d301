import { randomFillSync } from 'node:crypto';
import { errors } from '@l1g1/kit';

/** A uniform draw in [0, 1). Passed in, so tests use a seeded one and releases a secure one. */
export type RandomSource = () => number;

const TWO_POW_32 = 0x1_0000_0000;
const TWO_POW_53 = 2 ** 53;

/** 53 random bits from two 32-bit words, as a double in [0, 1). */
function toUnit(high: number, low: number): number {
  return ((high >>> 5) * 67108864 + (low >>> 6)) / TWO_POW_53;
}

/**
 * A seeded generator (sfc32, Chris Doty-Humphrey's small fast counter, which
 * passes PractRand) for reproducible tests. Not for releases: its output is
 * predictable from the seed.
 */
export function createSeededRandom(seed: number): RandomSource {
  if (!Number.isFinite(seed)) throw errors.invalidArgument('seed', 'must be a finite number');
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = Math.floor(seed) % TWO_POW_32 >>> 0;
  const next = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 15; i += 1) next(); // mix the seed in before the first draw
  return () => toUnit(next(), next());
}

/** Draws from the OS CSPRNG, 512 doubles per refill (each source owns its buffer). */
export function createSecureRandom(): RandomSource {
  const words = new Uint32Array(1024);
  let at = words.length;
  return () => {
    if (at >= words.length) {
      randomFillSync(words);
      at = 0;
    }
    const value = toUnit(words[at] ?? 0, words[at + 1] ?? 0);
    at += 2;
    return value;
  };
}
