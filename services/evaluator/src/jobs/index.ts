/**
 * The evaluator's job handlers by kind, for the kit job worker. Benchmark
 * and comparison jobs join here as one line each.
 */
import type { JobHandler } from '@l1g1/kit';
import type { EvaluatorDeps } from '../deps';
import { EVALUATE_JOB_KIND } from '../domain/evaluations/evaluate-params';
import { createEvaluateJobHandler } from './evaluate-job';

export function evaluatorJobHandlers(deps: EvaluatorDeps): Record<string, JobHandler> {
  return {
    [EVALUATE_JOB_KIND]: createEvaluateJobHandler({
      evaluations: deps.evaluations,
      snapshots: deps.snapshots,
      registry: deps.registry,
      predictor: deps.predictor,
      logger: deps.logger,
      predictConcurrency: deps.config.predictConcurrency,
      maxRecords: deps.config.maxRecords,
    }),
  };
}
