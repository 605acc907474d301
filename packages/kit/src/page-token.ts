/**
 * Opaque page tokens for every list RPC: base64url of the last key returned, with the list kind
 * and a fingerprint of the filters. Keyset pagination (not offsets) keeps
 * pages stable while rows are added or deleted; the fingerprint refuses a
 * token replayed against a different query, which would silently skip items.
 */
import { errors } from './errors';
import { createHash } from 'node:crypto';

const FIELD = 'page.page_token';

interface TokenBody {
  /** Which list issued the token. */
  k: string;
  /** Fingerprint of the filters. */
  f: string;
  /** The last key of the previous page. */
  a: string | number;
}

/** A short stable digest of a filter object (keys sorted, so map order does not matter). */
export function filterFingerprint(filter: unknown): string {
  const canonical = JSON.stringify(filter, (_key, value: unknown) =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : value,
  );
  return createHash('sha256')
    .update(canonical ?? '')
    .digest('base64url')
    .slice(0, 12);
}

/** The token that continues a list after `lastKey`. */
export function encodePageToken(kind: string, fingerprint: string, lastKey: string | number): string {
  const body: TokenBody = { k: kind, f: fingerprint, a: lastKey };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

function invalid(message: string): Error {
  return errors.invalidArgument(FIELD, message, { reason: 'INVALID_PAGE_TOKEN' });
}

/**
 * The last key carried by `token`, or undefined for '' (the first page).
 * Anything not issued by the same list with the same filters is refused.
 */
export function decodePageToken<K extends 'string' | 'number'>(
  token: string,
  kind: string,
  fingerprint: string,
  keyType: K,
): (K extends 'string' ? string : number) | undefined {
  if (token === '') return undefined;
  if (!/^[A-Za-z0-9_-]+$/.test(token) || token.length > 2048) {
    throw invalid('is not a page token issued by this service; pass next_page_token from the previous response');
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid('is not a page token issued by this service; pass next_page_token from the previous response');
  }
  const b = body as Partial<TokenBody> | null;
  if (b === null || typeof b !== 'object' || typeof b.k !== 'string' || typeof b.f !== 'string') {
    throw invalid('is not a page token issued by this service; pass next_page_token from the previous response');
  }
  if (b.k !== kind) throw invalid(`was issued by a different list (${b.k}), not ${kind}`);
  if (b.f !== fingerprint)
    throw invalid('was issued for different filters; repeat the same filters or start over without a token');
  const valid = keyType === 'number' ? Number.isSafeInteger(b.a) : typeof b.a === 'string';
  if (!valid) throw invalid('is corrupted; start over without a token');
  // The check above established the key's type matches `keyType`.
  return b.a as K extends 'string' ? string : number;
}

/** A keyset cursor of a list ordered by a number (a time, a step) then an id. */
export interface KeysetCursor {
  n: number;
  id: string;
}

/** The token that continues a list ordered by (number, id) after `cursor`. */
export function encodeKeysetPageToken(kind: string, fingerprint: string, cursor: KeysetCursor): string {
  return encodePageToken(kind, fingerprint, `${cursor.n}:${cursor.id}`);
}

/** The (number, id) cursor carried by `token`, or undefined for '' (the first page); refused like decodePageToken. */
export function decodeKeysetPageToken(token: string, kind: string, fingerprint: string): KeysetCursor | undefined {
  const key = decodePageToken(token, kind, fingerprint, 'string');
  if (key === undefined) return undefined;
  const cut = key.indexOf(':');
  const n = Number(key.slice(0, cut));
  const id = key.slice(cut + 1);
  if (cut < 0 || !Number.isSafeInteger(n) || !id) throw invalid('is corrupted; start over without a token');
  return { n, id };
}
