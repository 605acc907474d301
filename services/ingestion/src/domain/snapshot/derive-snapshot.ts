import type { PipelineOutcome } from '../cleaning/cleaning-pipeline';
import type { StepContext } from '../cleaning/cleaning-step';
import { contentIdOf } from '../cleaning/content-id';
import type { ParsedRecord } from '../record';
import { createSamplePlanner, DEFAULT_SAMPLE_SEED } from './hash-sample';
import { mergeById } from './merge-by-id';
import { recordMatches, type RecordFilterSpec } from './record-filter';
import { compareRecordIds } from './record-id-order';
import { createSplitPlanner, type SplitAssigner, type SplitSpec } from './split-assignment';
import { isTextContentType, recordText, type SnapshotRef, type StoredRecord } from './stored-record';

/** A review decision CreateSnapshot applies (apply_review_decisions). */
export interface ResolvedReviewItem {
  recordId: string;
  decision: 'keep' | 'relabel' | 'discard';
  /** For `relabel`. */
  newLabel?: string;
  /** The record as it was when it went to review. */
  record: StoredRecord;
}

/** The port derive needs from the review queue (ANALYTICS owns it; the composition passes it). */
export interface ReviewDecisions {
  resolvedReviewItems(sources: readonly SnapshotRef[]): Promise<ResolvedReviewItem[]>;
}

/** Re-cleaning: the dataset's cleaning pipeline (`createCleaningPipeline`) fits this. */
export interface RecordCleaner {
  apply(record: ParsedRecord, context: StepContext): PipelineOutcome;
}

export interface DeriveSpec {
  filter?: RecordFilterSpec | undefined;
  /** A fresh cleaner per pass (cleaners hold dedupe state); absent: no re-cleaning. */
  createCleaner?: (() => RecordCleaner) | undefined;
  split?: SplitSpec | undefined;
  /** 0: keep all. */
  sampleSize?: number;
  sampleSeed?: number;
  /** Resolved review items of the sources (already fetched through {@link ReviewDecisions}). */
  reviewItems?: readonly ResolvedReviewItem[];
}

/** What a derivation did, for the manifest and the IngestCounts. */
export interface DeriveReport {
  read: number;
  filteredOut: number;
  droppedByCleaning: number;
  /** `step/reason` → records. */
  droppedByStep: Record<string, number>;
  restoredFromReview: number;
  relabeledFromReview: number;
  discardedByReview: number;
  sampledOut: number;
  kept: number;
  splits: Record<string, number>;
}

export interface Derivation {
  /** The output records (any order; the writer sorts and collapses duplicate ids). Iterate once. */
  records: AsyncIterable<StoredRecord>;
  /** Complete once `records` has been iterated to the end. */
  report(): DeriveReport;
}

/**
 * CreateSnapshot's derivation: merge the sources by id (later sources win),
 * take back reviewed records (KEEP with their label, RELABEL with the new
 * one) and leave out DISCARDed ones, filter, re-clean, then sample and
 * assign splits. Sampling and splitting need every selected id first, so
 * when they are asked for, the selection runs twice over `openSources()`
 * (snapshot files are immutable, so both passes see the same records):
 * the first pass keeps one float64 per record, never the records.
 */
export function deriveSnapshot(openSources: () => AsyncIterable<StoredRecord>[], spec: DeriveSpec): Derivation {
  const report: DeriveReport = {
    read: 0,
    filteredOut: 0,
    droppedByCleaning: 0,
    droppedByStep: {},
    restoredFromReview: 0,
    relabeledFromReview: 0,
    discardedByReview: 0,
    sampledOut: 0,
    kept: 0,
    splits: {},
  };
  const review = reviewPlan(spec.reviewItems ?? []);
  const sampleSize = spec.sampleSize ?? 0;

  async function* select(counting: boolean): AsyncIterable<StoredRecord> {
    const cleaner = spec.createCleaner?.();
    for await (const merged of mergeById([...openSources(), fromSorted(review.restored)])) {
      if (counting) report.read++;
      if (review.discarded.has(merged.id)) {
        if (counting) report.discardedByReview++;
        continue;
      }
      const record = review.relabel(merged, counting ? report : undefined);
      if (!recordMatches(record, spec.filter)) {
        if (counting) report.filteredOut++;
        continue;
      }
      if (cleaner === undefined) {
        yield record;
        continue;
      }
      const cleaned = reclean(cleaner, record);
      if (cleaned.kind === 'dropped') {
        if (counting) {
          report.droppedByCleaning++;
          report.droppedByStep[cleaned.key] = (report.droppedByStep[cleaned.key] ?? 0) + 1;
        }
        continue;
      }
      yield cleaned.record;
    }
  }

  async function* output(): AsyncIterable<StoredRecord> {
    let keep: (id: string) => boolean = () => true;
    let assigner: SplitAssigner | undefined;
    if (sampleSize > 0 || spec.split !== undefined) {
      const sample = createSamplePlanner(sampleSize, spec.sampleSeed ?? DEFAULT_SAMPLE_SEED);
      for await (const r of select(false)) sample.add(r.id);
      keep = sample.finish();
      if (spec.split !== undefined) {
        const planner = createSplitPlanner(spec.split);
        for await (const r of select(false)) if (keep(r.id)) planner.add(r.id, r.metadata);
        assigner = planner.finish();
      }
    }
    for await (const r of select(true)) {
      if (!keep(r.id)) {
        report.sampledOut++;
        continue;
      }
      report.kept++;
      if (assigner === undefined) {
        yield r;
        continue;
      }
      const split = assigner.splitOf(r.id, r.metadata);
      report.splits[split] = (report.splits[split] ?? 0) + 1;
      yield { ...r, metadata: { ...r.metadata, split } };
    }
  }

  return { records: output(), report: () => report };
}

function reviewPlan(items: readonly ResolvedReviewItem[]): {
  restored: StoredRecord[];
  discarded: Set<string>;
  relabel(record: StoredRecord, report: DeriveReport | undefined): StoredRecord;
} {
  const discarded = new Set<string>();
  const labels = new Map<string, string>();
  const restored = new Map<string, StoredRecord>();
  for (const item of items) {
    if (item.decision === 'discard') {
      discarded.add(item.recordId);
      continue;
    }
    restored.set(item.recordId, { ...item.record, id: item.recordId });
    if (item.decision === 'relabel' && item.newLabel !== undefined) labels.set(item.recordId, item.newLabel);
  }
  return {
    restored: [...restored.values()].sort((a, b) => compareRecordIds(a.id, b.id)),
    discarded,
    relabel(record, report) {
      const label = labels.get(record.id);
      if (restored.has(record.id) && report !== undefined) report.restoredFromReview++;
      if (label === undefined) return record;
      if (report !== undefined) report.relabeledFromReview++;
      return { ...record, metadata: { ...record.metadata, label } };
    },
  };
}

async function* fromSorted(records: readonly StoredRecord[]): AsyncIterable<StoredRecord> {
  for (const r of records) yield r;
}

/** Runs the cleaning steps on a stored record; a changed text payload gets its new content id. */
function reclean(cleaner: RecordCleaner, record: StoredRecord): { kind: 'kept'; record: StoredRecord } | { kind: 'dropped'; key: string } {
  const text = recordText(record);
  const parsed: ParsedRecord = {
    modality: record.modality,
    contentType: record.contentType,
    data: text ?? record.data,
    metadata: { ...record.metadata },
    position: {},
    ...(record.timestampUs === undefined ? {} : { timestampUs: record.timestampUs }),
  };
  const outcome = cleaner.apply(parsed, { file: record.metadata.source_file ?? record.id });
  if (outcome.kind === 'dropped') return { kind: 'dropped', key: `${outcome.step}/${outcome.reason}` };
  const out = outcome.record;
  const data = typeof out.data === 'string' ? new TextEncoder().encode(out.data) : out.data;
  const changed = typeof out.data === 'string' ? out.data !== text : false;
  return {
    kind: 'kept',
    record: {
      ...record,
      id: changed && isTextContentType(record.contentType) ? contentIdOf(out.data) : record.id,
      data,
      metadata: out.metadata,
    },
  };
}
