/**
 * The evaluator's client of the inference service: one Predict call per
 * batch of rows, the same path users hit (batcher, variant choice, limits).
 * A cancelled run (cancel, shutdown, lost lease) cancels its calls in
 * flight instead of waiting for their deadline.
 */
import { Metadata } from '@grpc/grpc-js';
import { inference, type common } from '@l1g1/contracts';
import { fromServiceError } from '@l1g1/kit';

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

/** Inference's header letting a call use a variant marked not usable (its `ALLOW_UNUSABLE_VARIANT_HEADER`). */
const ALLOW_UNUSABLE_VARIANT_HEADER = 'l1g1-allow-unusable-variant';

/** One batch of an evaluation: generous, a cold model load included. */
const PREDICT_DEADLINE_MS = 60_000;

export function createPredictor(client: inference.InferenceServiceClient): Predictor {
  return {
    predict(batch, signal) {
      signal.throwIfAborted();
      return new Promise((resolve, reject) => {
        const request = inference.PredictRequest.fromPartial({ model: batch.model, precision: batch.precision, inputs: batch.inputs });
        // The evaluator is what checks variants: re-measuring one marked not usable is how it gets
        // re-checked, so its own calls may use it (users' calls stay refused).
        const md = new Metadata();
        md.set(ALLOW_UNUSABLE_VARIANT_HEADER, 'true');
        const call = client.predict(request, md, { deadline: Date.now() + PREDICT_DEADLINE_MS }, (err, res) => {
          signal.removeEventListener('abort', onAbort);
          if (err) reject(fromServiceError(err));
          else resolve(res.outputs);
        });
        const onAbort = (): void => call.cancel();
        signal.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}
