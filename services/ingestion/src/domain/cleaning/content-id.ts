import * as crypto from 'node:crypto';
import type { ParsedRecord } from '../record';
import { normalizeText } from './normalize-text';

type OneShotHash = (algorithm: string, data: string | Uint8Array, outputEncoding: 'buffer') => Buffer;
/**
 * `crypto.hash` (Node >= 20.12) hashes a short input without building a Hash
 * object: a third of exact dedupe's hashing cost on ~300-byte records. Older
 * Node 20 releases (the engines field allows them) get the Hash object.
 */
const oneShot = (crypto as { hash?: OneShotHash }).hash;

/**
 * The sha256 digest (32 bytes) behind a record's content id: of the UTF-8
 * bytes of `normalizeText(data)` for text, of the bytes as they are for
 * binary payloads. Exact dedupe keeps these raw digests (32 bytes each)
 * rather than hex strings.
 */
export function contentDigestOf(data: string | Uint8Array): Buffer {
  const input = typeof data === 'string' ? normalizeText(data) : data;
  if (oneShot !== undefined) return oneShot('sha256', input, 'buffer');
  // A string is hashed as UTF-8, without an intermediate Buffer.
  return crypto.createHash('sha256').update(input).digest();
}

/**
 * A record's id (ARCHITECTURE.md: "content id, sha256 of normalised
 * content"), lowercase hex: sha256 of the UTF-8 bytes of `normalizeText(data)`
 * for text, of the bytes as they are for binary payloads. Text that differs
 * only in Unicode form or whitespace gets the same id; metadata, position and
 * source file do not take part, so the same content from two files is one
 * record.
 */
export function contentIdOf(data: string | Uint8Array): string {
  return contentDigestOf(data).toString('hex');
}

export function recordContentId(record: ParsedRecord): string {
  return contentIdOf(record.data);
}
