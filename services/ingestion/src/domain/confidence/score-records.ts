import { errors } from '@l1g1/kit';
import type { StoredRecord } from '../snapshot/stored-record';
import type { ConfidenceOptions } from './confidence-options';
import type { Scorer } from './scorer';

/** What the filter keeps of a record between its passes: its label and the model's probabilities. */
export interface ScoredRecord {
  readonly id: string;
  /** Undefined when the record has no label. */
  readonly givenLabel: string | undefined;
  readonly probabilities: Float64Array;
}

function checkRows(rows: number[][], batch: readonly StoredRecord[], classes: number): void {
  if (rows.length !== batch.length) {
    throw errors.failedPrecondition(`the model answered ${rows.length} rows for ${batch.length} records`, { reason: 'MODEL_OUTPUT_MISMATCH' });
  }
  for (const row of rows) {
    if (row.length !== classes) {
      throw errors.failedPrecondition(`the model answered ${row.length} scores per record but class_names names ${classes} classes`, {
        reason: 'MODEL_OUTPUT_MISMATCH',
        field: 'class_names',
      });
    }
    if (!row.every((p) => Number.isFinite(p) && p >= 0 && p <= 1)) {
      throw errors.failedPrecondition('the model output holds values outside [0, 1]; it must output probabilities', { reason: 'MODEL_OUTPUT_MISMATCH', field: 'output_name' });
    }
  }
}

/**
 * First pass of the filter: scores every record in batches and keeps only
 * (id, label, probabilities), C doubles per record, so a snapshot far larger
 * than memory can be filtered; the records themselves are read again in the
 * second pass. Refuses past `maxRecords`. `onProgress` is told the count scored.
 */
export async function scoreRecords(
  records: AsyncIterable<StoredRecord>,
  scorer: Scorer,
  options: ConfidenceOptions,
  onProgress?: (scored: number) => void,
): Promise<ScoredRecord[]> {
  const out: ScoredRecord[] = [];
  let batch: StoredRecord[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const rows = await scorer.score(batch);
    checkRows(rows, batch, options.classNames.length);
    batch.forEach((r, i) => {
      out.push({ id: r.id, givenLabel: r.metadata[options.labelField], probabilities: Float64Array.from(rows[i] as number[]) });
    });
    batch = [];
    onProgress?.(out.length);
  };
  let seen = 0;
  for await (const record of records) {
    seen += 1;
    if (seen > options.maxRecords) {
      throw errors.failedPrecondition(`the snapshot has more than ${options.maxRecords} records, the most one confidence filter scores; filter it first`, {
        reason: 'CONFIDENCE_INPUT_TOO_LARGE',
      });
    }
    batch.push(record);
    if (batch.length >= options.batchSize) await flush();
  }
  await flush();
  return out;
}
