/**
 * An evaluation run as the API shows it: the job's lifecycle (state,
 * progress, error, times) joined with the stored row (what was evaluated
 * and what it found).
 */
import { common, evaluator } from '@l1g1/contracts';
import { toJobStatus, type Job } from '@l1g1/kit';
import { decodeEvaluatePlan } from './evaluate-params';
import type { EvaluationRow } from './evaluation-store';

export function toEvaluationRun(job: Job | undefined, row: EvaluationRow, options: { omitPredictions: boolean }): evaluator.EvaluationRun {
  const plan = job ? decodeEvaluatePlan(job.params) : undefined;
  const status = job
    ? toJobStatus(job)
    : common.JobStatus.fromPartial({ jobId: row.runId, state: common.JobState.JOB_STATE_UNSPECIFIED, createdAt: new Date(row.createdAtMs) });
  return evaluator.EvaluationRun.fromPartial({
    runId: row.runId,
    status,
    ...(plan ? { request: evaluator.EvaluateRequest.fromJSON(plan.request) } : {}),
    model: { name: row.modelName, selector: { $case: 'version', value: row.modelVersion } },
    dataset: { name: row.dataset, snapshot: row.snapshot },
    precision: plan?.precision ?? common.Precision.PRECISION_FP32,
    recordsEvaluated: row.recordsEvaluated,
    recordsSkipped: row.recordsSkipped,
    ...(row.classification !== null ? { classification: evaluator.ClassificationMetrics.fromJSON(row.classification) } : {}),
    ...(row.token !== null ? { token: evaluator.TokenMetrics.fromJSON(row.token) } : {}),
    metrics: { ...row.metrics },
    predictions:
      options.omitPredictions || !Array.isArray(row.predictions) ? [] : row.predictions.map((p) => evaluator.RecordPrediction.fromJSON(p)),
    tags: plan?.tags ?? {},
    createdBy: plan?.createdBy ?? '',
  });
}
