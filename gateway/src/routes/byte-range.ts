/**
 * `Range` and `If-None-Match` for artifact downloads (RFC 9110 §13, §14).
 * Only a single byte range is honoured: a multi-range request is answered
 * with the whole artifact, which the RFC allows and every download client
 * handles.
 */

/** Bytes `start`..`end` inclusive. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * `undefined`: no usable Range header (serve everything);
 * `'unsatisfiable'`: 416; otherwise the range, clamped to the size.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined; // malformed or multi-range: ignored, as the RFC says
  if (m[1] === '') {
    // Suffix range: the last N bytes.
    const n = Number(m[2]);
    if (n === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (!Number.isSafeInteger(start) || start >= size) return 'unsatisfiable';
  if (end < start) return undefined; // "bytes=5-2" is invalid syntax: ignored
  return { start, end };
}

/** True when `If-None-Match` names `etag` (weak comparison, as GET requires) or is `*`. */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const bare = (t: string) => t.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((t) => t.trim() === '*' || bare(t) === bare(etag));
}
