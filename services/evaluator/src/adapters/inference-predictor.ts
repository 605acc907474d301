/**
 * The evaluator's client of the inference service: kit's batch predictor
 * (one Predict per batch, cancelled with its run), allowed to use a variant
 * marked not usable: the evaluator is what checks variants, and
 * re-measuring one is how it gets re-checked (users' calls stay refused).
 */
import type { inference } from '@l1g1/contracts';
import { createBatchPredictor, type BatchPredictor, type PredictBatch as KitPredictBatch } from '@l1g1/kit';

export type PredictBatch = KitPredictBatch;
export type Predictor = BatchPredictor;

export function createPredictor(client: inference.InferenceServiceClient): Predictor {
  return createBatchPredictor(client, { allowUnusableVariant: true });
}
