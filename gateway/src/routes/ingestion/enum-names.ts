import { errors } from '@l1g1/kit';

/** A ts-proto enum object: names to numbers and (reverse mapping) numbers to names. */
type ProtoEnum = Record<string, string | number>;

/**
 * The `/v1` spelling of a proto enum value: its name without the enum's
 * prefix, lowercase (`SOURCE_FORMAT_IMAGE_PNG` → `image_png`). Derived, not
 * tabled, so that a value added to the proto is spelled the same way at once.
 */
export function enumName(e: ProtoEnum, prefix: string, value: number): string {
  const name = e[value];
  if (typeof name !== 'string' || !name.startsWith(prefix)) return 'unspecified';
  return name.slice(prefix.length).toLowerCase();
}

/** Every accepted spelling of an enum (UNSPECIFIED and UNRECOGNIZED excluded). */
export function enumNames(e: ProtoEnum, prefix: string): string[] {
  return Object.keys(e)
    .filter((k) => k.startsWith(prefix) && k !== `${prefix}UNSPECIFIED`)
    .map((k) => k.slice(prefix.length).toLowerCase());
}

/** An enum value from its `/v1` spelling; absent → UNSPECIFIED (0); unknown → 400 naming `field`. */
export function parseEnum(e: ProtoEnum, prefix: string, value: unknown, field: string): number {
  if (value === undefined || value === null || value === '') return 0;
  const n = typeof value === 'string' && value === value.toLowerCase() ? e[`${prefix}${value.toUpperCase()}`] : undefined;
  if (typeof n !== 'number' || n === 0) {
    const shown = typeof value === 'string' ? value.slice(0, 40) : JSON.stringify(value)?.slice(0, 40) ?? String(value);
    throw errors.invalidArgument(field, `must be one of ${enumNames(e, prefix).join(', ')}, got ${JSON.stringify(shown)}`);
  }
  return n;
}

/** Lowercases the keys of a map whose keys are enum names (e.g. redactions by PII kind). */
export function lowercaseKeys<V>(m: Record<string, V>): Record<string, V> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k.toLowerCase(), v]));
}
