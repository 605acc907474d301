import { errors } from '@l1g1/kit';
import type { CleaningStep } from './cleaning-step';
import { LshIndex, type LshOptions } from './lsh-index';
import { createMinHasher, type MinHashOptions } from './minhash';
import { PASSED_THROUGH_BINARY } from './text-step';
import { describePosition, StepReportBuilder } from './step-report-builder';

export interface NearDedupeOptions extends MinHashOptions, LshOptions {
  /** Estimated Jaccard at or above which a record is a near duplicate of a kept one; default 0.8. */
  threshold?: number;
  /**
   * Most kept records the index holds; past it the step refuses
   * (FAILED_PRECONDITION, `DEDUPE_CAPACITY_EXCEEDED`). Default 500,000: a
   * ceiling of about 750 MB of heap at the default sizes.
   */
  maxRecords?: number;
}

export const DEFAULT_MAX_NEAR_DEDUPE_RECORDS = 500_000;
/** Longest source label remembered per kept record (for the "near duplicate of" detail). */
const MAX_LABEL_CHARS = 80;

/**
 * The `near_dedupe` step: streaming MinHash + LSH. Each text record is
 * signed, looked up among the kept ones, dropped as `near_duplicate` when one
 * reaches the threshold (the first occurrence wins), else inserted. State
 * grows with kept records only: per record its signature (4 bytes ×
 * num_permutations: 512 B at the default 128), one bucket entry per band and
 * a short source label; about 1.5 KB in all at the defaults (1,516 B measured
 * by loadtest's bench-dedupe). Records with a binary payload pass through.
 *
 * The decision is on the estimated Jaccard, so pairs right at the threshold
 * are found about half the time; pairs well above it (0.85+) practically always.
 */
export function createNearDedupeStep(options: NearDedupeOptions = {}): CleaningStep {
  const threshold = options.threshold ?? 0.8;
  if (!(threshold > 0 && threshold <= 1)) throw errors.invalidArgument('threshold', 'must be in (0, 1]');
  const maxRecords = options.maxRecords ?? DEFAULT_MAX_NEAR_DEDUPE_RECORDS;
  if (!Number.isInteger(maxRecords) || maxRecords < 1) throw errors.invalidArgument('max_records', 'must be an integer >= 1');
  const hasher = createMinHasher(options);
  const index = new LshIndex(hasher.numPermutations, options);
  const labels: string[] = [];
  const builder = new StepReportBuilder('near_dedupe');
  return {
    name: 'near_dedupe',
    apply(record, context) {
      if (typeof record.data !== 'string') {
        builder.recordKept(false);
        builder.count(PASSED_THROUGH_BINARY);
        return { kind: 'kept', record };
      }
      const signature = hasher.signature(record.data);
      const match = index.query(signature, threshold);
      if (match !== undefined) {
        const detail = `estimated jaccard ${match.jaccard.toFixed(3)} with ${labels[match.index] ?? 'a kept record'}`;
        builder.recordDropped('near_duplicate');
        builder.example(record, context, { reason: 'near_duplicate', before: record.data, detail });
        return { kind: 'dropped', reason: 'near_duplicate', detail };
      }
      if (index.size >= maxRecords) {
        throw errors.failedPrecondition(`near dedupe holds at most ${maxRecords} records; raise max_records or split the dataset`, {
          reason: 'DEDUPE_CAPACITY_EXCEEDED',
          metadata: { max_records: String(maxRecords), file: context.file },
        });
      }
      index.insert(signature);
      const label = `${context.file} (${describePosition(record.position)})`;
      labels.push(label.length > MAX_LABEL_CHARS ? `…${label.slice(-MAX_LABEL_CHARS)}` : label);
      builder.recordKept(false);
      return { kind: 'kept', record };
    },
    report: () => builder.build(),
  };
}
