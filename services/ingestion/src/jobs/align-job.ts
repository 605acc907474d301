/**
 * The `ingestion.align` job: reads the streams' snapshots, aligns them
 * (domain/align) and publishes the anchor records with their `aligned.*`
 * metadata as a new snapshot (origin `align`). Params: the proto JSON of
 * AlignStreamsRequest (analytics-job-params); result: AlignResult's, so
 * GetJob answers them as they are.
 */
import { ingestion } from '@l1g1/contracts';
import type { JobHandler, JsonValue } from '@l1g1/kit';
import { alignStreams, DEFAULT_ALIGN_LIMITS, type AlignInputStream, type ClockOffset } from '../domain/align';
import type { SnapshotRow } from '../domain/ports';
import { recordMatches, type RecordFilterSpec } from '../domain/snapshot/record-filter';
import type { SnapshotRef, StoredRecord } from '../domain/snapshot/stored-record';
import { recordFilterFromProto } from '../handlers/analytics-mappers';
import { analyticsJobParams } from './analytics-job-params';
export { ALIGN_JOB_KIND } from './analytics-job-params';

/** What the job needs of the composed deps (IngestionDeps fits it). */
export interface AlignJobDeps {
  readonly snapshots: { open(ref: SnapshotRef): Promise<{ ref: SnapshotRef; records(): AsyncIterable<StoredRecord> }> };
  readonly publisher: {
    publish(
      input: {
        dataset: string; origin: string; jobId: string; parents: SnapshotRef[]; description: string; tags: Record<string, string>;
        createdBy: string; counts: { [key: string]: JsonValue }; cleaning: JsonValue; cleaningReport: JsonValue; uploadReport: JsonValue;
        sources: JsonValue[]; signal?: AbortSignal;
      },
      records: AsyncIterable<StoredRecord>,
    ): Promise<SnapshotRow>;
  };
}

export function clockOffsetOf(stream: ingestion.AlignStream): ClockOffset {
  return stream.estimateOffset ? { kind: 'estimate' } : { kind: 'given', offsetUs: stream.clockOffsetUs };
}

async function* filtered(records: AsyncIterable<StoredRecord>, filter: RecordFilterSpec | undefined, signal: AbortSignal): AsyncIterable<StoredRecord> {
  for await (const r of records) {
    signal.throwIfAborted();
    if (recordMatches(r, filter)) yield r;
  }
}

async function* listed(records: readonly StoredRecord[]): AsyncIterable<StoredRecord> {
  yield* records;
}

export function createAlignJobHandler(deps: AlignJobDeps): JobHandler {
  return async (ctx) => {
    const params = analyticsJobParams(ctx.params);
    const req = ingestion.AlignStreamsRequest.fromJSON(params.request);
    const opened = await Promise.all(req.streams.map((s) => deps.snapshots.open({ dataset: s.snapshot?.name ?? '', version: s.snapshot?.snapshot ?? 0 })));
    const inputs: AlignInputStream[] = req.streams.map((s, i) => ({
      name: s.name,
      clockOffset: clockOffsetOf(s),
      records: filtered((opened[i] as (typeof opened)[number]).records(), recordFilterFromProto(s.filter, `streams[${i}].filter`), ctx.signal),
    }));
    await ctx.progress({ message: 'reading and aligning streams' });
    const outcome = await alignStreams(inputs, {
      toleranceUs: req.toleranceUs,
      match: req.match === ingestion.AlignMatch.ALIGN_MATCH_WINDOW ? 'window' : 'nearest',
      keepPartial: req.keepPartial,
      ...DEFAULT_ALIGN_LIMITS,
    });
    ctx.signal.throwIfAborted();
    await ctx.progress({ message: `publishing ${outcome.records.length} aligned records` });
    const anchorRef = (opened[0] as (typeof opened)[number]).ref;
    const row = await deps.publisher.publish(
      {
        dataset: req.outputDataset || anchorRef.dataset,
        origin: 'align',
        jobId: ctx.job.id,
        parents: opened.map((o) => o.ref),
        description: req.description,
        tags: {},
        createdBy: params.createdBy,
        counts: { rows_read: outcome.anchorRecords, rows_kept: outcome.records.length },
        cleaning: {},
        cleaningReport: {},
        uploadReport: {},
        sources: [],
        signal: ctx.signal,
      },
      listed(outcome.records),
    );
    const result: ingestion.AlignResult = {
      output: { name: row.dataset, snapshot: row.version },
      anchorRecords: outcome.anchorRecords,
      fullyAligned: outcome.fullyAligned,
      partiallyAligned: outcome.partiallyAligned,
      dropped: outcome.dropped,
      unmatchedByStream: {},
      meanAbsDeltaUsByStream: {},
      offsetUsByStream: {},
      unmatchedIdsByStream: {},
    };
    for (const [name, s] of outcome.streams) {
      result.offsetUsByStream[name] = s.offsetUs;
      if (name === req.streams[0]?.name) continue;
      result.unmatchedByStream[name] = s.unmatchedCount;
      result.meanAbsDeltaUsByStream[name] = s.meanAbsDeltaUs;
      result.unmatchedIdsByStream[name] = { ids: [...s.unmatchedIds], truncated: s.unmatchedTruncated };
    }
    return ingestion.AlignResult.toJSON(result) as JsonValue;
  };
}
