/**
 * The identity of an upload (issue 7, decision 3): the client's
 * idempotency key when given, else a hash of the dataset, the canonical
 * header and every file's sha256, so the same files sent twice with the same
 * options are one upload. The header fingerprint tells a replay (same key,
 * same header) from a conflict (same key, another header).
 */
import { createHash } from 'node:crypto';
import type { JsonValue } from '@l1g1/kit';

/** JSON with object keys sorted at every level: equal values, equal text. */
export function canonicalJson(value: JsonValue): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** The header without its idempotency key (the key names the upload; it is not one of its options). */
function headerWithoutKey(headerJson: JsonValue): JsonValue {
  if (headerJson === null || typeof headerJson !== 'object' || Array.isArray(headerJson)) return headerJson;
  const { idempotencyKey: _drop, ...rest } = headerJson;
  return rest;
}

export function headerFingerprint(headerJson: JsonValue, files: readonly { name: string; format: string; recordMetadata: Record<string, string> }[]): string {
  return createHash('sha256')
    .update(canonicalJson({ header: headerWithoutKey(headerJson), files: files.map((f) => ({ name: f.name, format: f.format, record_metadata: f.recordMetadata })) }))
    .digest('hex');
}

/** The upload's key: `client:<key>` when the client gave one, else `content:<sha256 of dataset, header and file hashes>`. */
export function uploadKey(clientKey: string, dataset: string, fingerprint: string, fileSha256s: readonly string[]): string {
  if (clientKey) return `client:${dataset}:${clientKey}`;
  const hash = createHash('sha256').update(dataset).update('\0').update(fingerprint);
  for (const sha of fileSha256s) hash.update('\0').update(sha);
  return `content:${hash.digest('hex')}`;
}
