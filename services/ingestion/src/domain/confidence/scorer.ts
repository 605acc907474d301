import type { StoredRecord } from '../snapshot/stored-record';

/**
 * The model the confidence filter asks: one probability per class for each
 * record, in the order of the class names. The composition root passes the
 * inference-service client (adapters/inference-scorer.ts).
 */
export interface Scorer {
  score(records: StoredRecord[]): Promise<number[][]>;
}
