/**
 * What the composition root (`startEvaluator`) hands every handler group and
 * the job runner. Parts that need only a piece of it declare the smallest
 * interface they need (structural typing) and receive this object.
 */
import type { JobStore, Logger } from '@l1g1/kit';
import type { AliasMover } from './adapters/alias-mover';
import type { BenchmarkStore } from './benchmark/benchmark-store';
import type { TimedPredictor } from './benchmark/run-benchmark';
import type { Predictor } from './adapters/inference-predictor';
import type { SnapshotReader } from './adapters/ingestion-reader';
import type { ModelRegistry } from './adapters/model-registry';
import type { EvaluatorConfig } from './config';
import type { EvaluationStore } from './domain/evaluations/evaluation-store';
import type { GateStore } from './gates/gate-store';

export interface EvaluatorDeps {
  readonly config: EvaluatorConfig;
  readonly logger: Logger;
  /** The kit job store (queue, progress, events) of this service. */
  readonly jobs: JobStore;
  /** Stored evaluation runs (metrics, per-class figures, confusion, predictions). */
  readonly evaluations: EvaluationStore;
  /** Snapshot facts and records, from the ingestion service. */
  readonly snapshots: SnapshotReader;
  /** Versions, tasks and metrics, in the model registry. */
  readonly registry: ModelRegistry;
  /** Predictions through the inference service. */
  readonly predictor: Predictor;
  /** Stored gates and their decisions. */
  readonly gates: GateStore;
  /** Alias moves in the registry on behalf of a gate's caller (the audit actor). */
  readonly aliases: AliasMover;
  /** Benchmark requests through the inference service, with its timing. */
  readonly timedPredictor: TimedPredictor;
  /** Stored benchmark results. */
  readonly benchmarks: BenchmarkStore;
}
