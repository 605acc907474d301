/**
 * The labeling service's client of the inference service: one Predict call
 * per batch of tasks, through the same batcher, limits and variant choice
 * users hit. Raw text goes as a BYTES tensor; the inference service
 * featurizes it for a version with a `preprocess` tag.
 */
import { inference, type common } from '@l1g1/contracts';
import { unary } from '@l1g1/kit';

export interface ScoreBatch {
  /** Pinned to a version. */
  model: common.ModelRef;
  precision: common.Precision;
  inputs: common.Tensor[];
}

export interface ScoreSource {
  /** The model's output tensors for the batch. */
  predict(batch: ScoreBatch, signal: AbortSignal): Promise<common.Tensor[]>;
}

/** One batch: generous, a cold model load included. */
const PREDICT_DEADLINE_MS = 60_000;

export function createScoreSource(client: inference.InferenceServiceClient): ScoreSource {
  return {
    async predict(batch, signal) {
      signal.throwIfAborted();
      // The call itself is bounded by its deadline; a cancel is seen between batches.
      const res = await unary(client.predict.bind(client), inference.PredictRequest.fromPartial(batch), { deadlineMs: PREDICT_DEADLINE_MS });
      return res.outputs;
    },
  };
}
