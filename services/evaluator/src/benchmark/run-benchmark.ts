/** Measures one batch size: warm-up, then `concurrency` loops until the iteration or time limit. */
import { performance } from 'node:perf_hooks';
import type { common, evaluator } from '@l1g1/contracts';
import { percentile } from '../stats/percentile';

/** One timed request to the target, with the server's own split of the time when it reports it. */
export interface TimedPredictor {
  predict(model: common.ModelRef, precision: common.Precision, inputs: common.Tensor[]): Promise<{ queueUs: number; computeUs: number }>;
}

export interface BatchMeasurement {
  requests: number;
  rows: number;
  errors: number;
  durationMs: number;
  latency: evaluator.LatencySummary;
  meanQueueUs: number;
  meanComputeUs: number;
  /** The first error's message (logged, not sent: it may be any target's text). */
  firstError?: unknown;
}

/** Latencies kept at most per batch size (percentiles over the first ones beyond it). */
const MAX_SAMPLES = 1_000_000;

export async function measureBatch(
  predictor: TimedPredictor,
  args: { model: common.ModelRef; precision: common.Precision; inputs: common.Tensor[]; rowsPerRequest: number; warmup: number; iterations: number; durationMs: number; concurrency: number; signal: AbortSignal },
): Promise<BatchMeasurement> {
  const { model, precision, inputs } = args;
  for (let i = 0; i < args.warmup && !args.signal.aborted; i++) await predictor.predict(model, precision, inputs).catch(() => undefined);
  const latencies: number[] = [];
  let requests = 0;
  let errorsSeen = 0;
  let queueUs = 0;
  let computeUs = 0;
  let firstError: unknown;
  const started = performance.now();
  const deadline = started + args.durationMs;
  const more = () => !args.signal.aborted && performance.now() < deadline && (args.iterations === 0 || requests < args.iterations);
  const loop = async (): Promise<void> => {
    while (more()) {
      requests++;
      const t0 = performance.now();
      try {
        const timing = await predictor.predict(model, precision, inputs);
        if (latencies.length < MAX_SAMPLES) latencies.push((performance.now() - t0) * 1000);
        queueUs += timing.queueUs;
        computeUs += timing.computeUs;
      } catch (err) {
        errorsSeen++;
        firstError ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: args.concurrency }, loop));
  const durationMs = performance.now() - started;
  const ok = latencies.length;
  const q = (p: number) => (ok > 0 ? percentile(latencies, p) : 0);
  return {
    requests,
    rows: ok * args.rowsPerRequest,
    errors: errorsSeen,
    durationMs,
    latency: { meanUs: ok > 0 ? latencies.reduce((a, b) => a + b, 0) / ok : 0, p50Us: q(0.5), p95Us: q(0.95), p99Us: q(0.99), maxUs: q(1) },
    meanQueueUs: ok > 0 ? queueUs / ok : 0,
    meanComputeUs: ok > 0 ? computeUs / ok : 0,
    ...(firstError === undefined ? {} : { firstError }),
  };
}
