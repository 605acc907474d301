/** How a timestamp column is written (proto `TimestampUnit`); `auto`: numbers are milliseconds, anything else RFC 3339. */
export type TimestampUnit = 'auto' | 'seconds' | 'milliseconds' | 'microseconds' | 'rfc3339';

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

const UNIT_TO_US: Readonly<Record<'seconds' | 'milliseconds' | 'microseconds', number>> = { seconds: 1e6, milliseconds: 1e3, microseconds: 1 };

function rfc3339ToUs(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, z, sign, oh, om] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 2026-02-30 over to March; a real RFC 3339 date must round-trip.
  const back = new Date(ms);
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return undefined;
  const offsetMin = z !== undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  if (Math.abs(offsetMin) > 23 * 60 + 59) return undefined;
  const micros = Number((frac ?? '').padEnd(6, '0').slice(0, 6));
  return (ms - offsetMin * 60_000) * 1000 + micros;
}

/**
 * A timestamp cell as microseconds since the epoch, or undefined when the
 * text is not a timestamp in that unit (the caller names the row). RFC 3339
 * keeps microsecond precision (Date.parse alone would cut it to ms).
 */
export function parseTimestampUs(text: string, unit: TimestampUnit = 'auto'): number | undefined {
  const value = text.trim();
  if (value === '') return undefined;
  if (unit === 'rfc3339' || (unit === 'auto' && !NUMBER.test(value))) return rfc3339ToUs(value);
  if (!NUMBER.test(value)) return undefined;
  const us = Math.round(Number(value) * UNIT_TO_US[unit === 'auto' ? 'milliseconds' : unit]);
  return Number.isSafeInteger(us) ? us : undefined;
}
