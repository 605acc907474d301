import { createHash } from 'node:crypto';
import type { ParsedRecord } from '../record';
import { normalizeText } from './normalize-text';

/**
 * A record's id (ARCHITECTURE.md: "content id, sha256 of normalised
 * content"), lowercase hex: sha256 of the UTF-8 bytes of `normalizeText(data)`
 * for text, of the bytes as they are for binary payloads. Text that differs
 * only in Unicode form or whitespace gets the same id; metadata, position and
 * source file do not take part, so the same content from two files is one
 * record.
 */
export function contentIdOf(data: string | Uint8Array): string {
  const hash = createHash('sha256');
  hash.update(typeof data === 'string' ? Buffer.from(normalizeText(data), 'utf8') : data);
  return hash.digest('hex');
}

export function recordContentId(record: ParsedRecord): string {
  return contentIdOf(record.data);
}
