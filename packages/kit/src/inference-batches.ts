/**
 * Scoring batches through the inference service, for the services that
 * call it on a job's behalf (the evaluator's Evaluate, labeling's
 * pre-labels): one Predict per batch, the same path users hit (batcher,
 * variant choice, limits). A cancelled job (cancel, shutdown, lost lease)
 * cancels its call in flight instead of waiting for the deadline, and a
 * gRPC status comes back as an L1g1Error so a client fault stays one.
 * Pair with `outputScoreRows` to read the answer as score rows.
 */
import { Metadata } from '@grpc/grpc-js';
import { inference, type common } from '@l1g1/contracts';
import { fromServiceError } from './errors';

/** Inference's header letting a call use a variant marked not usable (read by its Predict handler). */
export const ALLOW_UNUSABLE_VARIANT_HEADER = 'l1g1-allow-unusable-variant';

/** One batch to score: ready input tensors for a pinned version and precision. */
export interface PredictBatch {
  model: common.ModelRef;
  precision: common.Precision;
  inputs: common.Tensor[];
}

export interface BatchPredictor {
  /** The model's output tensors for the batch. */
  predict(batch: PredictBatch, signal: AbortSignal): Promise<common.Tensor[]>;
}

export interface BatchPredictorOptions {
  /** Per batch; the default is generous because a cold model load may be part of the first call. */
  deadlineMs?: number;
  /**
   * Send the header that lets the call use a variant marked not usable.
   * Only the evaluator sets it: re-measuring such a variant is how it gets
   * re-checked. Everyone else stays refused like users are.
   */
  allowUnusableVariant?: boolean;
}

const DEFAULT_PREDICT_DEADLINE_MS = 60_000;

export function createBatchPredictor(client: inference.InferenceServiceClient, options: BatchPredictorOptions = {}): BatchPredictor {
  const deadlineMs = options.deadlineMs ?? DEFAULT_PREDICT_DEADLINE_MS;
  return {
    predict(batch, signal) {
      signal.throwIfAborted();
      return new Promise((resolve, reject) => {
        const request = inference.PredictRequest.fromPartial({ model: batch.model, precision: batch.precision, inputs: batch.inputs });
        const md = new Metadata();
        if (options.allowUnusableVariant === true) md.set(ALLOW_UNUSABLE_VARIANT_HEADER, 'true');
        const onAbort = (): void => call.cancel();
        const call = client.predict(request, md, { deadline: Date.now() + deadlineMs }, (err, res) => {
          signal.removeEventListener('abort', onAbort);
          if (err) reject(fromServiceError(err));
          else resolve(res.outputs);
        });
        signal.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}
