/**
 * The latency budget of a gate: a short, bounded benchmark of the candidate
 * (fp32, random inputs from its signature, through the inference service,
 * one request in flight), stored like any Benchmark run so the decision can
 * point at it.
 */
import { randomUUID } from 'node:crypto';
import { common, type registry } from '@l1g1/contracts';
import { toBenchmarkResult } from '../benchmark/benchmark-result';
import type { BenchmarkStore } from '../benchmark/benchmark-store';
import { randomInputs } from '../benchmark/random-inputs';
import { measureBatch, type TimedPredictor } from '../benchmark/run-benchmark';

export interface GateLatencyDeps {
  readonly timedPredictor: TimedPredictor;
  readonly benchmarks: BenchmarkStore;
}

/** Bounds of the gate's benchmark: enough requests for a p95, never long. */
export const GATE_LATENCY_WARMUP = 3;
export const GATE_LATENCY_ITERATIONS = 40;
export const GATE_LATENCY_MAX_MS = 5_000;

export interface GateLatency {
  /** p95 over the successful requests, in ms; undefined when none succeeded. */
  p95Ms: number | undefined;
  runId: string;
  errors: number;
}

export async function measureGateLatency(deps: GateLatencyDeps, version: registry.ModelVersion, batchSize: number, signal: AbortSignal): Promise<GateLatency> {
  const precision = common.Precision.PRECISION_FP32;
  const artifact = version.artifacts.find((a) => (a.precision || precision) === precision);
  const model: common.ModelRef = { name: version.modelName, selector: { $case: 'version', value: version.version } };
  const runId = randomUUID();
  if (!artifact) return { p95Ms: undefined, runId: '', errors: 0 };
  const m = await measureBatch(deps.timedPredictor, {
    model,
    precision,
    inputs: randomInputs(artifact.signature, batchSize, {}),
    rowsPerRequest: batchSize,
    warmup: GATE_LATENCY_WARMUP,
    iterations: GATE_LATENCY_ITERATIONS,
    durationMs: GATE_LATENCY_MAX_MS,
    concurrency: 1,
    signal,
  });
  const ok = m.requests - m.errors;
  await deps.benchmarks.add(toBenchmarkResult(m, { runId, batchSize, model, precision, device: 'cpu', concurrency: 1 }));
  return { p95Ms: ok > 0 ? m.latency.p95Us / 1000 : undefined, runId, errors: m.errors };
}
