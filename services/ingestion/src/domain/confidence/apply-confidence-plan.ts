import type { StoredRecord } from '../snapshot/stored-record';
import type { ConfidenceDecision, ConfidencePlan } from './plan-confidence-filter';

/** A record the filter dropped, with why: what the review queue stores. */
export interface ReviewCandidate {
  readonly record: StoredRecord;
  readonly decision: Extract<ConfidenceDecision, { keep: false }>;
}

/**
 * Second pass: reads the records again and yields the kept ones with
 * metadata `confidence` and `predicted_label`; each dropped record is handed
 * to `toReview` (awaited, so the review queue holds it before the snapshot
 * that leaves it out is published). Records the plan never saw (the snapshot
 * changed under it, which an immutable snapshot cannot) are an internal error.
 */
export async function* applyConfidencePlan(
  records: AsyncIterable<StoredRecord>,
  plan: ConfidencePlan,
  toReview: (candidate: ReviewCandidate) => Promise<void>,
): AsyncIterable<StoredRecord> {
  for await (const record of records) {
    const decision = plan.decisions.get(record.id);
    if (decision === undefined) throw new Error(`record ${record.id} was not scored in the first pass`);
    if (decision.keep) {
      yield { ...record, metadata: { ...record.metadata, confidence: String(decision.confidence), predicted_label: decision.predictedLabel } };
    } else {
      await toReview({ record, decision });
    }
  }
}
