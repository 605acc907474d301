/** One batch size's measurement as the stored/streamed BenchmarkResult (Benchmark and a gate's latency budget). */
import { evaluator, type common } from '@l1g1/contracts';
import type { BatchMeasurement } from './run-benchmark';

export function toBenchmarkResult(
  m: BatchMeasurement,
  at: { runId: string; batchSize: number; model: common.ModelRef; precision: common.Precision; device: string; concurrency: number },
): evaluator.BenchmarkResult {
  const seconds = m.durationMs / 1000;
  return {
    runId: at.runId,
    batchSize: at.batchSize,
    requests: m.requests,
    rows: m.rows,
    errors: m.errors,
    durationMs: Math.round(m.durationMs),
    throughputRowsPerS: seconds > 0 ? m.rows / seconds : 0,
    requestsPerS: seconds > 0 ? (m.requests - m.errors) / seconds : 0,
    latency: m.latency,
    meanQueueUs: m.meanQueueUs,
    meanComputeUs: m.meanComputeUs,
    model: at.model,
    precision: at.precision,
    device: at.device,
    // The only target measured (planBenchmark refuses the others).
    target: evaluator.BenchmarkTarget.BENCHMARK_TARGET_INFERENCE_GRPC,
    concurrency: at.concurrency,
    finishedAt: new Date(),
  };
}
