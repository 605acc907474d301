/**
 * The one canonical JSON form of a record's metadata, as stored in the
 * snapshot's `metadata` column and hashed into `content_sha256`: a flat
 * object of strings with keys sorted by UTF-16 code unit (Array#sort), so
 * equal metadata always gives equal bytes whatever order the keys were set in.
 */
export function canonicalMetadataJson(metadata: Readonly<Record<string, string>>): string {
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(metadata).sort()) {
    sorted[key] = String(metadata[key]);
  }
  return JSON.stringify(sorted);
}

/**
 * Parses a `metadata` column value back into a flat string map. Values that
 * are not strings (a file written by another tool) are stringified rather
 * than dropped, so the reader never loses a key.
 */
export function parseMetadataJson(json: string): Record<string, string> {
  const parsed: unknown = JSON.parse(json);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new TypeError('snapshot metadata is not a JSON object');
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    out[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return out;
}
