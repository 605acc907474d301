import { precisionName } from '@l1g1/contracts';
import type { JsonValue } from '@l1g1/kit';
import type { EvaluatePlan } from '../domain/evaluations/evaluate-params';
import { registryMetrics } from '../domain/evaluations/registry-metric-keys';
import type { EvaluateJobContext, EvaluateJobDeps } from './evaluate-job-deps';

/** What a task's path found. */
export interface EvaluationFindings {
  records: number;
  skipped: number;
  /** The flat metrics (EvaluationRun.metrics). */
  metrics: Record<string, number>;
  /** ClassificationMetrics / TokenMetrics as proto JSON, the other null. */
  classification: JsonValue;
  token: JsonValue;
  /** RecordPrediction JSON list, or null when not asked for. */
  predictions: JsonValue;
  /** The job's result: the metrics a run list shows. */
  headline: readonly string[];
}

/**
 * The end every task's path shares: the metric event, the registry's
 * headline metrics when asked, the stored outcome, the last progress report;
 * answers the job's result.
 */
export async function completeEvaluation(
  deps: Pick<EvaluateJobDeps, 'evaluations' | 'registry' | 'logger'>,
  plan: EvaluatePlan,
  runId: string,
  ctx: EvaluateJobContext,
  found: EvaluationFindings,
): Promise<{ [k: string]: number }> {
  const precision = precisionName(plan.precision) ?? 'fp32';
  await ctx.emit('metric', { split: plan.split, precision, records: found.records, metrics: found.metrics });
  if (plan.recordInRegistry) await deps.registry.recordMetrics(plan.modelName, plan.modelVersion, registryMetrics(plan.split, precision, found.metrics));
  await deps.evaluations.finish(runId, {
    state: 'succeeded',
    finishedAtMs: Date.now(),
    recordsEvaluated: found.records,
    recordsSkipped: found.skipped,
    metrics: found.metrics,
    classification: found.classification,
    token: found.token,
    predictions: found.predictions,
  });
  deps.logger.info({ runId, task: plan.task, model: `${plan.modelName}@${plan.modelVersion}`, precision, records: found.records, skipped: found.skipped }, 'evaluation finished');
  await ctx.progress({ fraction: 1, counters: { records_done: found.records, records_total: found.records, records_skipped: found.skipped }, message: 'evaluated' });
  const headline: { [k: string]: number } = {};
  for (const k of found.headline) if (found.metrics[k] !== undefined) headline[k] = found.metrics[k];
  return headline;
}
