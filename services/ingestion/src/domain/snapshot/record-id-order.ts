/**
 * The order of record ids in a snapshot file. DuckDB sorts VARCHAR by its
 * UTF-8 bytes, which is Unicode code point order; JavaScript's `<` compares
 * UTF-16 code units, which disagrees for characters above U+FFFF against
 * U+E000..U+FFFF. Every streaming merge over snapshot files (diff, derive)
 * must use this comparison, or it would mis-pair ids that the file holds in
 * the other order. Content ids (sha256 hex) are ASCII and take the fast path.
 */
export function compareRecordIds(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    // A surrogate (a code point above U+FFFF) sorts after every BMP unit in code point order.
    const sa = ca >= 0xd800 && ca <= 0xdfff;
    const sb = cb >= 0xd800 && cb <= 0xdfff;
    if (sa !== sb) return sa ? 1 : -1;
    return ca < cb ? -1 : 1;
  }
  return a.length - b.length;
}
