import { errors } from '@l1g1/kit';

/**
 * A registry tag's JSON text → its top-level object, for the recipe parsers
 * (hashed n-grams, language models). A tag is untrusted: INVALID_ARGUMENT
 * naming `field` when it is not JSON or not an object.
 */
export function parseTagObject(tag: string, field: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(tag);
  } catch {
    throw errors.invalidArgument(field, 'is not valid JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw errors.invalidArgument(field, 'must be a JSON object');
  return raw as Record<string, unknown>;
}
