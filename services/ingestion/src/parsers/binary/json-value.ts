/**
 * Table cells from binary formats hold values JSON cannot carry as they are
 * (INT64 as bigint, dates, byte arrays). Rows travel as JSON text in a
 * record's `data`, so each value gets one stable JSON form here.
 */
export function toJsonValue(value: unknown): unknown {
  if (typeof value === 'bigint') {
    // Exact when it fits a double; otherwise the decimal string keeps every digit.
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toJsonValue(v);
    return out;
  }
  return value;
}

/** A row as the JSON text a `table_row` record carries. */
export function rowToJson(fields: Record<string, unknown>): string {
  return JSON.stringify(toJsonValue(fields));
}
