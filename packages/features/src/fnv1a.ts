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

/**
 * FNV-1a 32-bit of `text`'s UTF-8 bytes (as `TextEncoder` gives them: a lone surrogate is
 * U+FFFD), as an unsigned integer. The bytes are produced inline, not by `TextEncoder.encode`:
 * one allocation per n-gram key was a third of featurizing a mail corpus (the profile in the
 * trainer-spam docs draft).
 */
export function fnv1a32(text: string): number {
  let hash = OFFSET_BASIS;
  const byte = (b: number) => {
    hash = Math.imul(hash ^ b, PRIME);
  };
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      byte(c);
      continue;
    }
    if (c < 0x800) {
      byte(0xc0 | (c >> 6));
      byte(0x80 | (c & 0x3f));
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        byte(0xf0 | (cp >> 18));
        byte(0x80 | ((cp >> 12) & 0x3f));
        byte(0x80 | ((cp >> 6) & 0x3f));
        byte(0x80 | (cp & 0x3f));
        continue;
      }
      c = 0xfffd; // a lone surrogate, as TextEncoder writes it
    }
    byte(0xe0 | (c >> 12));
    byte(0x80 | ((c >> 6) & 0x3f));
    byte(0x80 | (c & 0x3f));
  }
  return hash >>> 0;
}
