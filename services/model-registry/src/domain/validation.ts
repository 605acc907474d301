/**
 * Request validation shared by every transport. Each check throws
 * INVALID_ARGUMENT naming the request field, with a message that says what a
 * valid value looks like.
 */
import { errors } from '@l1g1/kit';
import { PRECISIONS, type Precision } from './types';

/** Model names: lowercase, URL- and path-safe, at most 128 characters. */
export const MODEL_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,127}$/;
/** Alias names: a lowercase letter, then letters, digits, '_' or '-', at most 64 characters. */
export const ALIAS_PATTERN = /^[a-z][a-z0-9_-]{0,63}$/;
const TAG_KEY_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._:/-]{0,127}$/;
const SHA256_PATTERN = /^[0-9a-fA-F]{64}$/;
const MAX_TAGS = 64;
const MAX_TAG_VALUE_CHARS = 1024;
const MAX_PAGE_SIZE = 1000;
const DEFAULT_PAGE_SIZE = 50;

/** The alias ResolveModel uses when a reference names neither version nor alias. */
export const DEFAULT_ALIAS = 'production';

function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

/** A model name (see {@link MODEL_NAME_PATTERN}). */
export function checkModelName(field: string, value: string): string {
  if (value === '') throw errors.invalidArgument(field, 'is required', { reason: 'INVALID_MODEL_NAME' });
  if (!MODEL_NAME_PATTERN.test(value)) {
    throw errors.invalidArgument(
      field,
      `${quote(value)} is not a valid model name: use 1-128 lowercase letters, digits, '.', '_' or '-', ` +
        `starting with a letter or digit (${MODEL_NAME_PATTERN.source})`,
      { reason: 'INVALID_MODEL_NAME' },
    );
  }
  return value;
}

/** An alias name (see {@link ALIAS_PATTERN}). */
export function checkAlias(field: string, value: string): string {
  if (value === '') throw errors.invalidArgument(field, 'is required', { reason: 'INVALID_ALIAS' });
  if (!ALIAS_PATTERN.test(value)) {
    throw errors.invalidArgument(
      field,
      `${quote(value)} is not a valid alias: use 1-64 lowercase letters, digits, '_' or '-', ` +
        `starting with a letter (${ALIAS_PATTERN.source})`,
      { reason: 'INVALID_ALIAS' },
    );
  }
  return value;
}

/** A version number: an integer >= 1. */
export function checkVersion(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw errors.invalidArgument(field, `must be a version number >= 1, got ${value}`, { reason: 'INVALID_VERSION' });
  }
  return value;
}

/** Free text with a length limit (descriptions, task labels, ids). */
export function checkText(field: string, value: string, maxChars: number): string {
  if (value.length > maxChars) {
    throw errors.invalidArgument(field, `must be at most ${maxChars} characters, got ${value.length}`);
  }
  return value;
}

/**
 * Tags of a request. With `removals`, an empty value is kept (it means
 * "remove this key" to a merge); otherwise empty values are dropped, so that
 * "empty" means "absent" everywhere.
 */
export function checkTags(field: string, tags: Record<string, string>, removals = false): Record<string, string> {
  const entries = Object.entries(tags);
  if (entries.length > MAX_TAGS) {
    throw errors.invalidArgument(field, `at most ${MAX_TAGS} tags per request, got ${entries.length}`);
  }
  const out: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (!TAG_KEY_PATTERN.test(key)) {
      throw errors.invalidArgument(
        `${field}[${quote(key)}]`,
        `tag keys are 1-128 letters, digits, '.', '_', ':', '/' or '-' (${TAG_KEY_PATTERN.source})`,
      );
    }
    if (value.length > MAX_TAG_VALUE_CHARS) {
      throw errors.invalidArgument(
        `${field}[${quote(key)}]`,
        `tag values are at most ${MAX_TAG_VALUE_CHARS} characters`,
      );
    }
    if (value !== '' || removals) out[key] = value;
  }
  return out;
}

/** Metrics must be finite: NaN and infinities cannot be compared or stored as JSON. */
export function checkMetrics(field: string, metrics: Record<string, number>): Record<string, number> {
  const entries = Object.entries(metrics);
  if (entries.length > MAX_TAGS) {
    throw errors.invalidArgument(field, `at most ${MAX_TAGS} metrics per request, got ${entries.length}`);
  }
  for (const [key, value] of entries) {
    if (!TAG_KEY_PATTERN.test(key)) {
      throw errors.invalidArgument(
        `${field}[${quote(key)}]`,
        `metric names follow the tag key rule (${TAG_KEY_PATTERN.source})`,
      );
    }
    if (!Number.isFinite(value))
      throw errors.invalidArgument(`${field}[${quote(key)}]`, `must be a finite number, got ${value}`);
  }
  return { ...metrics };
}

/**
 * A precision as the transport spelled it ('' for unspecified, which means
 * FP32, the precision every trainer produces first).
 */
export function parsePrecision(field: string, value: string): Precision {
  if (value === '') return 'FP32';
  const found = PRECISIONS.find((p) => p === value);
  if (!found)
    throw errors.invalidArgument(field, `unknown precision ${quote(value)}; use one of ${PRECISIONS.join(', ')}`);
  return found;
}

/** An expected checksum: 64 hex characters, or '' for none. Returned lowercase. */
export function checkSha256(field: string, value: string): string | undefined {
  if (value === '') return undefined;
  if (!SHA256_PATTERN.test(value)) {
    throw errors.invalidArgument(field, `must be 64 hexadecimal characters (a sha256 digest), got ${quote(value)}`);
  }
  return value.toLowerCase();
}

/** Page size: 0 means the default (50); capped at 1000. */
export function checkPageSize(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) {
    throw errors.invalidArgument(field, `must be >= 0 (0 means ${DEFAULT_PAGE_SIZE}), got ${value}`);
  }
  return value === 0 ? DEFAULT_PAGE_SIZE : Math.min(value, MAX_PAGE_SIZE);
}
