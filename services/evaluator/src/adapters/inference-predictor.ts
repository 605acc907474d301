/**
 * The evaluator's client of the inference service: one Predict call per
 * batch of rows, the same path users hit (batcher, variant choice, limits).
 */
import { inference, type common } from '@l1g1/contracts';
import { unary } from '@l1g1/kit';

/** One batch to score: a ready input tensor for a pinned version and precision. */
export interface PredictBatch {
  model: common.ModelRef;
  precision: common.Precision;
  inputs: common.Tensor[];
}

export interface Predictor {
  /** The model's output tensors for the batch. */
  predict(batch: PredictBatch, signal: AbortSignal): Promise<common.Tensor[]>;
}

/** One batch of an evaluation: generous, a cold model load included. */
const PREDICT_DEADLINE_MS = 60_000;

export function createPredictor(client: inference.InferenceServiceClient): Predictor {
  return {
    async predict(batch, signal) {
      signal.throwIfAborted();
      const res = await unary(
        client.predict.bind(client),
        inference.PredictRequest.fromPartial({ model: batch.model, precision: batch.precision, inputs: batch.inputs }),
        { deadlineMs: PREDICT_DEADLINE_MS },
      );
      return res.outputs;
    },
  };
}
