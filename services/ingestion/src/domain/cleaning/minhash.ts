import { errors } from '@l1g1/kit';
import { normalizeText } from './normalize-text';

export interface MinHashOptions {
  /** Characters (code points) per shingle; default 5. */
  shingleSize?: number;
  /** Hash permutations, i.e. signature length; default 128 (a Jaccard estimate's std. dev. is about sqrt(J(1-J)/128) ≈ 0.035 at 0.8). */
  numPermutations?: number;
  /** Seed of the permutations: signatures are comparable only between hashers with the same seed and sizes. */
  seed?: number;
}

export interface MinHasher {
  readonly shingleSize: number;
  readonly numPermutations: number;
  /** The text's signature: per permutation, the least permuted hash of its shingles. */
  signature(text: string): Uint32Array;
}

/** murmur3's 32-bit finaliser: a bijection on 32 bits with full avalanche. */
export function fmix32(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** splitmix32: the permutation constants from one seed, the same on every machine. */
function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    return fmix32(state);
  };
}

/**
 * MinHash over character shingles of the normalised, lower-cased text
 * (Broder 1997). Each permutation is `fmix32(a·x + b)` with odd `a`: a
 * bijection of the 32-bit shingle hashes, cheap in 32-bit integer arithmetic.
 * Written here rather than taken from a package because the npm MinHash
 * packages are unmaintained and floating-point based; this is the product's
 * own dedupe logic.
 */
export function createMinHasher(options: MinHashOptions = {}): MinHasher {
  const shingleSize = options.shingleSize ?? 5;
  const numPermutations = options.numPermutations ?? 128;
  if (!Number.isInteger(shingleSize) || shingleSize < 1 || shingleSize > 64) {
    throw errors.invalidArgument('shingle_size', 'must be an integer from 1 to 64');
  }
  if (!Number.isInteger(numPermutations) || numPermutations < 1 || numPermutations > 4096) {
    throw errors.invalidArgument('num_permutations', 'must be an integer from 1 to 4096');
  }
  const next = splitmix32(options.seed ?? 1);
  const a = new Uint32Array(numPermutations);
  const b = new Uint32Array(numPermutations);
  for (let i = 0; i < numPermutations; i += 1) {
    a[i] = (next() | 1) >>> 0;
    b[i] = next();
  }
  return {
    shingleSize,
    numPermutations,
    signature(text) {
      const codePoints = Array.from(normalizeText(text).toLowerCase(), (ch) => ch.codePointAt(0) ?? 0);
      const signature = new Uint32Array(numPermutations).fill(0xffffffff);
      const shingles = Math.max(1, codePoints.length - shingleSize + 1);
      for (let start = 0; start < shingles; start += 1) {
        // FNV-1a over the shingle's code points, then mixed: the shingle's 32-bit hash.
        let h = 0x811c9dc5;
        const end = Math.min(codePoints.length, start + shingleSize);
        for (let i = start; i < end; i += 1) h = Math.imul(h ^ (codePoints[i] ?? 0), 0x01000193);
        const x = fmix32(h);
        for (let p = 0; p < numPermutations; p += 1) {
          const v = fmix32((Math.imul(a[p] ?? 1, x) + (b[p] ?? 0)) >>> 0);
          if (v < (signature[p] ?? 0)) signature[p] = v;
        }
      }
      return signature;
    },
  };
}

/** The Jaccard similarity estimated from two signatures of the same hasher: the share of equal slots. */
export function estimateJaccard(x: Uint32Array, y: Uint32Array): number {
  if (x.length !== y.length || x.length === 0) throw new RangeError('signatures of different hashers');
  let equal = 0;
  for (let i = 0; i < x.length; i += 1) if (x[i] === y[i]) equal += 1;
  return equal / x.length;
}

/** Exact Jaccard similarity of two texts' shingle sets (tests and benchmarks measure recall against it). */
export function exactJaccard(x: string, y: string, shingleSize = 5): number {
  const shingles = (text: string): Set<string> => {
    const cps = Array.from(normalizeText(text).toLowerCase());
    const out = new Set<string>();
    const n = Math.max(1, cps.length - shingleSize + 1);
    for (let i = 0; i < n; i += 1) out.add(cps.slice(i, i + shingleSize).join(''));
    return out;
  };
  const sx = shingles(x);
  const sy = shingles(y);
  let inter = 0;
  for (const s of sx) if (sy.has(s)) inter += 1;
  const union = sx.size + sy.size - inter;
  return union === 0 ? 1 : inter / union;
}
