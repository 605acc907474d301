import type { JobHandler, Logger } from '@l1g1/kit';
import type { Predictor } from '../adapters/inference-predictor';
import type { SnapshotReader } from '../adapters/ingestion-reader';
import type { ModelRegistry } from '../adapters/model-registry';
import type { EvaluationStore } from '../domain/evaluations/evaluation-store';

/** What the `evaluator.evaluate` job needs, whatever the task. */
export interface EvaluateJobDeps {
  evaluations: EvaluationStore;
  snapshots: SnapshotReader;
  registry: Pick<ModelRegistry, 'recordMetrics'>;
  predictor: Predictor;
  logger: Logger;
  /** Predict calls in flight per job. */
  predictConcurrency: number;
  /** Records one run may hold; more fails the run. */
  maxRecords: number;
}

/** The kit job context a task's path runs in (the kit does not export its name). */
export type EvaluateJobContext = Parameters<JobHandler>[0];
