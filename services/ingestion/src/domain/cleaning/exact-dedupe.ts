import { errors } from '@l1g1/kit';
import type { CleaningStep } from './cleaning-step';
import { recordContentId } from './content-id';
import { StepReportBuilder } from './step-report-builder';

export interface ExactDedupeOptions {
  /**
   * Most distinct records the step remembers; past it the step refuses
   * (FAILED_PRECONDITION, `DEDUPE_CAPACITY_EXCEEDED`) rather than grow without
   * bound. Each kept record costs about 125 bytes of heap (a 64-char hex key in
   * a Set; measured by loadtest's bench-dedupe). Default 5,000,000, i.e. a
   * ceiling of about 625 MB, reached only at that count.
   */
  maxRecords?: number;
  /** Ids already in the dataset (a second upload of the same file adds nothing). */
  known?: Iterable<string>;
}

/** Metadata key where the step writes the record's content id. */
export const CONTENT_ID_KEY = 'content_id';
export const DEFAULT_MAX_DEDUPE_RECORDS = 5_000_000;

/**
 * The `exact_dedupe` step: a record whose content id (sha256 of normalised
 * content) was seen before is dropped as `duplicate`; kept records get the id
 * in `metadata.content_id`. Memory grows with kept records only.
 */
export function createExactDedupeStep(options: ExactDedupeOptions = {}): CleaningStep {
  const maxRecords = options.maxRecords ?? DEFAULT_MAX_DEDUPE_RECORDS;
  if (!Number.isInteger(maxRecords) || maxRecords < 1) throw errors.invalidArgument('max_records', 'must be an integer >= 1');
  const seen = new Set<string>(options.known ?? []);
  const builder = new StepReportBuilder('exact_dedupe');
  return {
    name: 'exact_dedupe',
    apply(record, context) {
      const id = recordContentId(record);
      if (seen.has(id)) {
        builder.recordDropped('duplicate');
        builder.example(record, context, { reason: 'duplicate', detail: `content id ${id}` });
        return { kind: 'dropped', reason: 'duplicate', detail: `content id ${id}` };
      }
      if (seen.size >= maxRecords) {
        throw errors.failedPrecondition(`exact dedupe remembers at most ${maxRecords} records; raise max_records or split the dataset`, {
          reason: 'DEDUPE_CAPACITY_EXCEEDED',
          metadata: { max_records: String(maxRecords), file: context.file },
        });
      }
      seen.add(id);
      builder.recordKept(false);
      return { kind: 'kept', record: { ...record, metadata: { ...record.metadata, [CONTENT_ID_KEY]: id } } };
    },
    report: () => builder.build(),
  };
}
