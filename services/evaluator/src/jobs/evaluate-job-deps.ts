/** What the `evaluator.evaluate` job is handed, whatever the task (classification, language modeling). */
import type { Logger } from '@l1g1/kit';
import type { Predictor } from '../adapters/inference-predictor';
import type { SnapshotReader } from '../adapters/ingestion-reader';
import type { ModelRegistry } from '../adapters/model-registry';
import type { EvaluationStore } from '../domain/evaluations/evaluation-store';

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
