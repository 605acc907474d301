/** The benchmark's client of the inference service: one Predict per request, with the server's timing. */
import { inference } from '@l1g1/contracts';
import { unary } from '@l1g1/kit';
import type { TimedPredictor } from '../benchmark/run-benchmark';

const DEADLINE_MS = 60_000;

export function createTimedPredictor(client: inference.InferenceServiceClient): TimedPredictor {
  return {
    async predict(model, precision, inputs) {
      const res = await unary(client.predict.bind(client), inference.PredictRequest.fromPartial({ model, precision, inputs }), { deadlineMs: DEADLINE_MS });
      return { queueUs: Number(res.timing?.queueUs ?? 0), computeUs: Number(res.timing?.computeUs ?? 0) };
    },
  };
}
