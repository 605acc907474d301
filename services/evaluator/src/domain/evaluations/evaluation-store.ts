/**
 * The stored form of an evaluation run: one row per run, written when the
 * run is queued and completed when its job ends. The job store keeps the
 * run's lifecycle (state, attempts, events); this row keeps what it found.
 */
import type { JsonValue } from '@l1g1/kit';

/** Lifecycle mirrored from the job (so lists filter by state without a join across stores). */
export type EvaluationState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface EvaluationRow {
  /** The job id. */
  runId: string;
  modelName: string;
  modelVersion: number;
  /** Lowercase precision name (`fp32`, `fp16`, `int8`). */
  precision: string;
  dataset: string;
  snapshot: number;
  split: string;
  state: EvaluationState;
  createdAtMs: number;
  finishedAtMs: number | undefined;
  /** The W3C trace id of the request that created the run ('' when none). */
  traceId: string;
  recordsEvaluated: number;
  recordsSkipped: number;
  /** The flat metrics (EvaluationRun.metrics). */
  metrics: Record<string, number>;
  /** ClassificationMetrics / TokenMetrics as proto JSON; null until finished. */
  classification: JsonValue;
  token: JsonValue;
  /** RecordPrediction JSON list when the request asked to keep them. */
  predictions: JsonValue;
}

export interface EvaluationFilter {
  modelName?: string;
  /** Only with modelName. */
  modelVersion?: number;
  dataset?: string;
  /** Only with dataset. */
  snapshot?: number;
  state?: EvaluationState;
}

/** The outcome written when a run's job ends. */
export type EvaluationOutcome = Pick<EvaluationRow, 'state' | 'finishedAtMs' | 'recordsEvaluated' | 'recordsSkipped' | 'metrics' | 'classification' | 'token' | 'predictions'>;

export interface EvaluationStore {
  /** Inserts the row of a new run; a second insert of the same id keeps the first (idempotent submits). */
  insert(row: EvaluationRow): Promise<void>;
  setState(runId: string, state: EvaluationState): Promise<void>;
  finish(runId: string, outcome: EvaluationOutcome): Promise<void>;
  get(runId: string): Promise<EvaluationRow | undefined>;
  /** Newest first; `before` is the last row of the previous page. */
  list(filter: EvaluationFilter, limit: number, before?: { createdAtMs: number; runId: string }): Promise<EvaluationRow[]>;
  close(): Promise<void>;
}
