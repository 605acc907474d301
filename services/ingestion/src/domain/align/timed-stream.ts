import { errors } from '@l1g1/kit';
import type { StoredRecord } from '../snapshot/stored-record';

/** One record's place on a time line: what alignment needs of it, not its payload. */
export interface TimedEntry {
  readonly id: string;
  /** Start on its own clock, µs. */
  readonly startUs: number;
  /** End on its own clock, µs (metadata `end_us`), or the start when unknown. */
  readonly endUs: number;
}

/** A stream's entries sorted by start, plus the records that carry no time. */
export interface TimedStream {
  readonly name: string;
  readonly entries: readonly TimedEntry[];
  /** Longest end - start, so a window search knows how far back to look. */
  readonly maxDurationUs: number;
  readonly untimedIds: readonly string[];
}

/** The record's end time from metadata `end_us`, when it is an integer at or after the start. */
export function endUsOf(record: StoredRecord, startUs: number): number {
  const raw = record.metadata['end_us'];
  if (raw === undefined) return startUs;
  const end = Number(raw);
  return Number.isFinite(end) && end >= startUs ? end : startUs;
}

/**
 * Reads a stream into time-sorted entries, keeping only ids and times (not
 * payloads) so memory is a few dozen bytes per record. Sorting needs the
 * whole stream, so it is capped: past `maxRecords` the alignment is refused
 * with an error naming the stream and the cap instead of growing without bound.
 * `onRecord` sees every record (the anchor keeps its records for the output).
 */
export async function collectTimedStream(
  name: string,
  field: string,
  records: AsyncIterable<StoredRecord>,
  maxRecords: number,
  onRecord?: (record: StoredRecord) => void,
): Promise<TimedStream> {
  const entries: TimedEntry[] = [];
  const untimedIds: string[] = [];
  let maxDurationUs = 0;
  let seen = 0;
  for await (const record of records) {
    seen += 1;
    if (seen > maxRecords) {
      throw errors.failedPrecondition(`${field}: stream ${name} has more than ${maxRecords} records, the most one alignment sorts in memory; filter it first`, {
        reason: 'ALIGN_STREAM_TOO_LARGE',
        field,
        metadata: { stream: name, max_records: String(maxRecords) },
      });
    }
    onRecord?.(record);
    const startUs = record.timestampUs;
    if (startUs === undefined || !Number.isFinite(startUs)) {
      untimedIds.push(record.id);
      continue;
    }
    const endUs = endUsOf(record, startUs);
    maxDurationUs = Math.max(maxDurationUs, endUs - startUs);
    entries.push({ id: record.id, startUs, endUs });
  }
  entries.sort((a, b) => a.startUs - b.startUs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { name, entries, maxDurationUs, untimedIds };
}

/** Index of the first entry whose start is >= `t` (entries sorted by start). */
export function lowerBound(entries: readonly TimedEntry[], t: number): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((entries[mid] as TimedEntry).startUs < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The entry whose start is closest to `t` (ties: the earlier), or undefined for an empty stream. */
export function nearestIndex(entries: readonly TimedEntry[], t: number): number | undefined {
  if (entries.length === 0) return undefined;
  const i = lowerBound(entries, t);
  if (i === 0) return 0;
  if (i === entries.length) return entries.length - 1;
  const before = entries[i - 1] as TimedEntry;
  const after = entries[i] as TimedEntry;
  return t - before.startUs <= after.startUs - t ? i - 1 : i;
}
