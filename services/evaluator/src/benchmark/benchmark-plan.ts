/** BenchmarkRequest → a bounded, validated plan (defaults from the contract). */
import { common, evaluator, precisionName } from '@l1g1/contracts';
import { errors } from '@l1g1/kit';

export const MAX_BATCH_SIZES = 16;
export const MAX_BATCH_SIZE = 4096;
export const MAX_DURATION_MS = 60_000;
export const MAX_ITERATIONS = 100_000;
export const MAX_WARMUP = 1000;
export const MAX_CONCURRENCY = 64;
/** All batch sizes together may not ask for more wall time than this. */
export const MAX_TOTAL_MS = 5 * 60_000;
const DEFAULT_DURATION_MS = 10_000;

export interface BenchmarkPlan {
  model: common.ModelRef;
  batchSizes: number[];
  precision: common.Precision;
  device: 'cpu';
  durationMs: number;
  iterations: number;
  warmup: number;
  concurrency: number;
  dimValues: Record<string, number>;
}

/**
 * The inference service runs onnxruntime's CPU provider only: a GPU device is
 * refused (FAILED_PRECONDITION naming `device`) rather than silently measured
 * on the CPU and reported as if it were a GPU figure.
 */
export function planBenchmark(req: evaluator.BenchmarkRequest): BenchmarkPlan {
  if (!req.model?.name) throw errors.invalidArgument('model.name', 'the model to benchmark is required');
  const device = req.device.trim().toLowerCase();
  if (device !== '' && device !== 'cpu') {
    if (/^(gpu|cuda(:\d+)?)$/.test(device)) {
      throw errors.failedPrecondition(`device: "${req.device}" is not available: the inference service runs on cpu only`, { field: 'device', reason: 'DEVICE_UNAVAILABLE' });
    }
    throw errors.invalidArgument('device', `"cpu", "gpu" or "cuda:N", got ${JSON.stringify(req.device.slice(0, 40))}`);
  }
  if (precisionName(req.precision) === undefined) throw errors.invalidArgument('precision', 'one of fp32, fp16, int8');
  const target = req.target;
  if (target !== evaluator.BenchmarkTarget.BENCHMARK_TARGET_UNSPECIFIED && target !== evaluator.BenchmarkTarget.BENCHMARK_TARGET_INFERENCE_GRPC) {
    throw errors.invalidArgument('target', 'only inference_grpc (the inference service over gRPC) is measured in this build');
  }
  if (req.inputs?.name) throw errors.invalidArgument('inputs', 'inputs from dataset records are not supported yet; leave it unset for random tensors from the signature');
  const batchSizes = req.batchSizes.length > 0 ? [...req.batchSizes] : [1, 32];
  if (batchSizes.length > MAX_BATCH_SIZES) throw errors.invalidArgument('batch_sizes', `at most ${MAX_BATCH_SIZES} batch sizes`);
  batchSizes.forEach((b, i) => {
    if (!Number.isInteger(b) || b < 1 || b > MAX_BATCH_SIZE) throw errors.invalidArgument(`batch_sizes[${i}]`, `must be within [1, ${MAX_BATCH_SIZE}], got ${b}`);
  });
  const iterations = Number(req.iterations);
  if (iterations < 0 || iterations > MAX_ITERATIONS) throw errors.invalidArgument('iterations', `must be within [0, ${MAX_ITERATIONS}]`);
  if (req.durationMs < 0 || req.durationMs > MAX_DURATION_MS) throw errors.invalidArgument('duration_ms', `must be within [0, ${MAX_DURATION_MS}]`);
  const durationMs = req.durationMs === 0 && iterations === 0 ? DEFAULT_DURATION_MS : req.durationMs === 0 ? MAX_DURATION_MS : req.durationMs;
  if (durationMs * batchSizes.length > MAX_TOTAL_MS) throw errors.invalidArgument('duration_ms', `duration_ms x batch sizes may not exceed ${MAX_TOTAL_MS} ms`);
  if (req.warmupIterations < 0 || req.warmupIterations > MAX_WARMUP) throw errors.invalidArgument('warmup_iterations', `must be within [0, ${MAX_WARMUP}]`);
  if (req.concurrency < 0 || req.concurrency > MAX_CONCURRENCY) throw errors.invalidArgument('concurrency', `must be within [1, ${MAX_CONCURRENCY}]`);
  const dimValues: Record<string, number> = {};
  for (const [k, v] of Object.entries(req.dimValues)) {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 65_536) throw errors.invalidArgument(`dim_values.${k}`, 'must be within [1, 65536]');
    dimValues[k] = n;
  }
  return {
    model: req.model,
    batchSizes,
    precision: req.precision || common.Precision.PRECISION_FP32,
    device: 'cpu',
    durationMs,
    iterations,
    // Explicit 0 cannot be told from unset in proto3: unset means the documented 10.
    warmup: req.warmupIterations || 10,
    concurrency: req.concurrency || 1,
    dimValues,
  };
}
