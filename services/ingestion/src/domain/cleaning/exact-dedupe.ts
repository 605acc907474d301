import { errors } from '@l1g1/kit';
import type { CleaningStep } from './cleaning-step';
import { contentDigestOf } from './content-id';
import { DIGEST_BYTES, DigestSet } from './digest-set';
import { StepReportBuilder } from './step-report-builder';

export interface ExactDedupeOptions {
  /**
   * Most distinct records the step remembers; past it the step refuses
   * (FAILED_PRECONDITION, `DEDUPE_CAPACITY_EXCEEDED`) rather than grow without
   * bound: the upload fails as a whole (nothing half-deduped is published).
   * Each distinct record costs at most ~43 bytes (its 32-byte sha256 in a
   * {@link DigestSet}, off the V8 heap, plus its slot). Default 5,000,000, i.e.
   * a ceiling of about 215 MB, reached only at that count.
   */
  maxRecords?: number;
  /** Ids (64-char hex) already in the dataset (a second upload of the same file adds nothing); others cannot match a content id and are ignored. */
  known?: Iterable<string>;
}

/** Metadata key where the step writes the record's content id. */
export const CONTENT_ID_KEY = 'content_id';
export const DEFAULT_MAX_DEDUPE_RECORDS = 5_000_000;
const HEX_ID = new RegExp(`^[0-9a-f]{${DIGEST_BYTES * 2}}$`);

/**
 * The `exact_dedupe` step: a record whose content id (sha256 of normalised
 * content) was seen before is dropped as `duplicate`; kept records get the id
 * in `metadata.content_id`. Memory grows with kept records only.
 */
export function createExactDedupeStep(options: ExactDedupeOptions = {}): CleaningStep {
  const maxRecords = options.maxRecords ?? DEFAULT_MAX_DEDUPE_RECORDS;
  if (!Number.isInteger(maxRecords) || maxRecords < 1) throw errors.invalidArgument('max_records', 'must be an integer >= 1');
  const seen = new DigestSet();
  for (const id of options.known ?? []) if (HEX_ID.test(id)) seen.add(Buffer.from(id, 'hex'));
  const builder = new StepReportBuilder('exact_dedupe');
  return {
    name: 'exact_dedupe',
    apply(record, context) {
      const digest = contentDigestOf(record.data);
      const id = digest.toString('hex');
      if (seen.has(digest)) {
        builder.recordDropped('duplicate');
        builder.example(record, context, { reason: 'duplicate', detail: `content id ${id}` });
        return { kind: 'dropped', reason: 'duplicate', detail: `content id ${id}` };
      }
      if (seen.size >= maxRecords) {
        // Full: no room for a new digest, so nothing is added (the upload fails as a whole).
        throw errors.failedPrecondition(`exact dedupe remembers at most ${maxRecords} records; raise max_records or split the dataset`, {
          reason: 'DEDUPE_CAPACITY_EXCEEDED',
          metadata: { max_records: String(maxRecords), file: context.file },
        });
      }
      seen.add(digest);
      builder.recordKept(false);
      return { kind: 'kept', record: { ...record, metadata: { ...record.metadata, [CONTENT_ID_KEY]: id } } };
    },
    report: () => builder.build(),
  };
}
