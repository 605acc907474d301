import { errors } from '@l1g1/kit';
import type { StoredRecord } from '../snapshot/stored-record';
import { DEFAULT_OFFSET_SEARCH, estimateClockOffset, type OffsetSearchLimits } from './estimate-offset';
import { collectTimedStream, lowerBound, nearestIndex, type TimedEntry, type TimedStream } from './timed-stream';

export type AlignMatchMode = 'nearest' | 'window';

/** How a stream's clock is put on the anchor's: a given offset, or one estimated from the data. */
export type ClockOffset = { readonly kind: 'given'; readonly offsetUs: number } | { readonly kind: 'estimate' };

export interface AlignInputStream {
  /** Name used in the output metadata (`aligned.<name>.ids`); unique, [A-Za-z0-9_-]. */
  readonly name: string;
  readonly records: AsyncIterable<StoredRecord>;
  /** Default: given 0. The anchor's offset must be given. */
  readonly clockOffset?: ClockOffset;
}

export interface AlignOptions {
  /** Largest accepted |delta|, µs; > 0. */
  readonly toleranceUs: number;
  readonly match: AlignMatchMode;
  /** Keep anchor records that miss some stream (metadata `aligned.missing` names them). */
  readonly keepPartial: boolean;
  /** Records per stream sorted in memory; more is refused. */
  readonly maxRecordsPerStream: number;
  /** Ids listed per stream as unmatched; the count is always exact. */
  readonly maxUnmatchedIds: number;
  readonly offsetSearch?: OffsetSearchLimits;
}

export const DEFAULT_ALIGN_LIMITS = { maxRecordsPerStream: 1_000_000, maxUnmatchedIds: 1000 } as const;

export interface StreamAlignmentSummary {
  /** The offset added to this stream's times (given or estimated). */
  readonly offsetUs: number;
  readonly offsetEstimated: boolean;
  /** Matches made for anchor records (for the anchor itself: 0). */
  readonly matches: number;
  /** Mean |delta| of those matches, µs (0 without matches). */
  readonly meanAbsDeltaUs: number;
  /** Records never matched to any anchor record (untimed ones included). */
  readonly unmatchedCount: number;
  readonly unmatchedIds: readonly string[];
  readonly unmatchedTruncated: boolean;
}

export interface AlignmentOutcome {
  /** The anchor records kept, each with its `aligned.*` metadata, in time order. */
  readonly records: readonly StoredRecord[];
  readonly anchorRecords: number;
  readonly fullyAligned: number;
  readonly partiallyAligned: number;
  /** Anchor records left out (partial without keepPartial, or without a time). */
  readonly dropped: number;
  /** Per stream, the anchor included (its unmatched = anchor records without a time). */
  readonly streams: ReadonlyMap<string, StreamAlignmentSummary>;
}

const STREAM_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Checks the streams' names and offsets and the options, naming the request field at fault. */
export function validateAlignRequest(streams: readonly Pick<AlignInputStream, 'name' | 'clockOffset'>[], options: Pick<AlignOptions, 'toleranceUs'>): void {
  if (streams.length < 2) throw errors.invalidArgument('streams', 'at least two streams are needed (the first is the anchor)');
  if (!(Number.isSafeInteger(options.toleranceUs) && options.toleranceUs > 0)) {
    throw errors.invalidArgument('tolerance_us', 'must be an integer number of microseconds > 0');
  }
  const names = new Set<string>();
  streams.forEach((s, i) => {
    if (!STREAM_NAME.test(s.name)) throw errors.invalidArgument(`streams[${i}].name`, 'must be 1-64 characters of A-Z, a-z, 0-9, _ or -');
    if (names.has(s.name)) throw errors.invalidArgument(`streams[${i}].name`, `repeats the stream name ${s.name}`);
    names.add(s.name);
    const offset = s.clockOffset;
    if (offset?.kind === 'given' && !Number.isSafeInteger(offset.offsetUs)) {
      throw errors.invalidArgument(`streams[${i}].clock_offset_us`, 'must be an integer number of microseconds');
    }
  });
  if (streams[0]?.clockOffset?.kind === 'estimate') {
    throw errors.invalidArgument('streams[0].estimate_offset', 'the anchor defines the clock; only the other streams can have an estimated offset');
  }
}

function shift(stream: TimedStream, offsetUs: number): TimedEntry[] {
  if (offsetUs === 0) return [...stream.entries];
  return stream.entries.map((e) => ({ id: e.id, startUs: e.startUs + offsetUs, endUs: e.endUs + offsetUs }));
}

interface Match {
  readonly ids: string[];
  readonly deltas: number[];
}

/** Every stream entry whose interval meets the anchor's window [start - tol, end + tol]. */
function windowMatches(entries: readonly TimedEntry[], maxDurationUs: number, anchor: TimedEntry, toleranceUs: number): Match {
  const from = anchor.startUs - toleranceUs;
  const to = anchor.endUs + toleranceUs;
  const ids: string[] = [];
  const deltas: number[] = [];
  for (let i = lowerBound(entries, from - maxDurationUs); i < entries.length; i += 1) {
    const e = entries[i] as TimedEntry;
    if (e.startUs > to) break;
    if (e.endUs < from) continue;
    ids.push(e.id);
    deltas.push(e.startUs - anchor.startUs);
  }
  return { ids, deltas };
}

function nearestMatch(entries: readonly TimedEntry[], anchor: TimedEntry, toleranceUs: number): Match {
  const i = nearestIndex(entries, anchor.startUs);
  if (i === undefined) return { ids: [], deltas: [] };
  const e = entries[i] as TimedEntry;
  const delta = e.startUs - anchor.startUs;
  return Math.abs(delta) <= toleranceUs ? { ids: [e.id], deltas: [delta] } : { ids: [], deltas: [] };
}

/**
 * Aligns N record streams on the first one's clock (issue 7, point 5). Each
 * stream is read once into time-sorted (id, start, end) entries; its clock
 * offset is given or estimated (`estimateClockOffset`); then for every timed
 * anchor record, NEAREST takes the closest record within the tolerance and
 * WINDOW every record overlapping [start - tol, end + tol]. The output is the
 * anchor records with, per other stream, `aligned.<stream>.ids` and
 * `aligned.<stream>.delta_us` (comma-separated, same order; delta = matched
 * start − anchor start on the anchor's clock). A record of another stream
 * never matched is listed as unmatched (ids capped, count exact).
 */
export async function alignStreams(streams: readonly AlignInputStream[], options: AlignOptions): Promise<AlignmentOutcome> {
  validateAlignRequest(streams, options);
  const [anchorInput, ...others] = streams as [AlignInputStream, ...AlignInputStream[]];
  const anchorRecords = new Map<string, StoredRecord>();
  const anchorRaw = await collectTimedStream(anchorInput.name, 'streams[0]', anchorInput.records, options.maxRecordsPerStream, (r) => {
    anchorRecords.set(r.id, r);
  });
  const anchorOffset = anchorInput.clockOffset?.kind === 'given' ? anchorInput.clockOffset.offsetUs : 0;
  const anchor = shift(anchorRaw, anchorOffset);

  const summaries = new Map<string, StreamAlignmentSummary>();
  const perStream: { name: string; matches: Match[]; summary: Omit<StreamAlignmentSummary, 'matches' | 'meanAbsDeltaUs'> }[] = [];
  for (const [k, input] of others.entries()) {
    const raw = await collectTimedStream(input.name, `streams[${k + 1}]`, input.records, options.maxRecordsPerStream);
    let offsetUs = 0;
    let estimated = false;
    if (input.clockOffset?.kind === 'estimate') {
      const estimate = estimateClockOffset(anchor, raw.entries, options.toleranceUs, options.offsetSearch ?? DEFAULT_OFFSET_SEARCH);
      offsetUs = estimate?.offsetUs ?? 0;
      estimated = estimate !== undefined;
    } else if (input.clockOffset?.kind === 'given') {
      offsetUs = input.clockOffset.offsetUs;
    }
    const entries = shift(raw, offsetUs);
    const matches = anchor.map((a) =>
      options.match === 'window' ? windowMatches(entries, raw.maxDurationUs, a, options.toleranceUs) : nearestMatch(entries, a, options.toleranceUs),
    );
    const used = new Set<string>();
    for (const m of matches) for (const id of m.ids) used.add(id);
    const unmatched = [...raw.untimedIds, ...entries.filter((e) => !used.has(e.id)).map((e) => e.id)];
    perStream.push({
      name: input.name,
      matches,
      summary: {
        offsetUs,
        offsetEstimated: estimated,
        unmatchedCount: unmatched.length,
        unmatchedIds: unmatched.slice(0, options.maxUnmatchedIds),
        unmatchedTruncated: unmatched.length > options.maxUnmatchedIds,
      },
    });
  }

  const output: StoredRecord[] = [];
  let fully = 0;
  let partially = 0; // partial anchor records kept (keepPartial); otherwise they count as dropped
  let dropped = anchorRaw.untimedIds.length;
  const deltaSums = perStream.map(() => ({ n: 0, sum: 0 }));
  anchor.forEach((a, i) => {
    const missing = perStream.filter((s) => (s.matches[i] as Match).ids.length === 0).map((s) => s.name);
    if (missing.length === 0) fully += 1;
    else if (options.keepPartial) partially += 1;
    else {
      dropped += 1;
      return;
    }
    const record = anchorRecords.get(a.id);
    if (record === undefined) return;
    const metadata: Record<string, string> = { ...record.metadata };
    perStream.forEach((s, k) => {
      const m = s.matches[i] as Match;
      metadata[`aligned.${s.name}.ids`] = m.ids.join(',');
      metadata[`aligned.${s.name}.delta_us`] = m.deltas.join(',');
      const acc = deltaSums[k] as { n: number; sum: number };
      for (const d of m.deltas) {
        acc.n += 1;
        acc.sum += Math.abs(d);
      }
    });
    if (missing.length > 0) metadata['aligned.missing'] = missing.join(',');
    output.push({ ...record, metadata });
  });

  summaries.set(anchorInput.name, {
    offsetUs: anchorOffset,
    offsetEstimated: false,
    matches: 0,
    meanAbsDeltaUs: 0,
    unmatchedCount: anchorRaw.untimedIds.length,
    unmatchedIds: anchorRaw.untimedIds.slice(0, options.maxUnmatchedIds),
    unmatchedTruncated: anchorRaw.untimedIds.length > options.maxUnmatchedIds,
  });
  perStream.forEach((s, k) => {
    const acc = deltaSums[k] as { n: number; sum: number };
    summaries.set(s.name, { ...s.summary, matches: acc.n, meanAbsDeltaUs: acc.n > 0 ? acc.sum / acc.n : 0 });
  });
  return {
    records: output,
    anchorRecords: anchorRecords.size,
    fullyAligned: fully,
    partiallyAligned: partially,
    dropped,
    streams: summaries,
  };
}
