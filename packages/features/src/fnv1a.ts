/**
 * FNV-1a, 32-bit, over the UTF-8 bytes of a string: the stable hash of the hashed n-gram
 * featurizer. Chosen because it is a dozen lines in any language (a serving client must
 * reproduce the ids bit for bit), has no seed or platform dependence, and spreads short
 * n-grams well enough for a hashing trick.
 *
 * Reference: offset basis 2166136261, prime 16777619; for each byte `h = (h ^ byte) * prime mod 2^32`.
 */
const OFFSET_BASIS = 0x811c9dc5;
const PRIME = 0x01000193;
const encoder = new TextEncoder();

/** FNV-1a 32-bit of `text`'s UTF-8 bytes, as an unsigned integer. */
export function fnv1a32(text: string): number {
  let hash = OFFSET_BASIS;
  for (const byte of encoder.encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, PRIME);
  }
  return hash >>> 0;
}
