/**
 * Queues one evaluation run: checks the request, resolves its model,
 * snapshot and split in full (so a refused request leaves no job and no run
 * behind), refuses when the queue is full, submits the job and writes the
 * run's row. Evaluate answers with it; CompareVariants and EvaluateGate
 * queue their runs through it too, so every run is the same stored run.
 */
import { trace } from '@opentelemetry/api';
import { precisionName, type evaluator } from '@l1g1/contracts';
import { errors } from '@l1g1/kit';
import type { EvaluatorDeps } from '../../deps';
import { checkEvaluateRequest } from './check-evaluate-request';
import { encodeEvaluatePlan, EVALUATE_JOB_KIND } from './evaluate-params';
import type { EvaluationRow } from './evaluation-store';
import { planEvaluation } from './plan-evaluation';

/** Attempts of one run: crash resumes (lease expiries) count, so leave room for a few. */
const MAX_ATTEMPTS = 3;
/** What a refused (queue full) caller is told to wait. */
const QUEUE_FULL_RETRY_MS = 10_000;

export type SubmitDeps = Pick<EvaluatorDeps, 'jobs' | 'evaluations' | 'config'> & Parameters<typeof planEvaluation>[0];

export async function submitEvaluation(deps: SubmitDeps, req: evaluator.EvaluateRequest, actor: string): Promise<EvaluationRow> {
  const { jobs, evaluations } = deps;
  const checked = checkEvaluateRequest(req);
  const plan = await planEvaluation(deps, checked, actor);
  const open = await jobs.list({ kind: EVALUATE_JOB_KIND, states: ['queued', 'running'], limit: Math.min(1000, deps.config.maxQueuedJobs) });
  if (open.length >= deps.config.maxQueuedJobs) {
    throw errors.resourceExhausted(`${open.length} evaluations are queued or running; try again later`, QUEUE_FULL_RETRY_MS, { reason: 'JOB_QUEUE_FULL' });
  }
  const { job } = await jobs.submit({
    kind: EVALUATE_JOB_KIND,
    params: encodeEvaluatePlan(plan),
    maxAttempts: MAX_ATTEMPTS,
    ...(checked.idempotencyKey ? { idempotencyKey: checked.idempotencyKey } : {}),
  });
  // A repeated idempotency key answers the first run: its row already exists and is kept.
  await evaluations.insert({
    runId: job.id,
    modelName: plan.modelName,
    modelVersion: plan.modelVersion,
    precision: precisionName(plan.precision) ?? 'fp32',
    dataset: plan.dataset,
    snapshot: plan.snapshot,
    split: plan.split,
    state: 'queued',
    createdAtMs: job.createdAtMs,
    finishedAtMs: undefined,
    traceId: trace.getActiveSpan()?.spanContext().traceId ?? '',
    recordsEvaluated: 0,
    recordsSkipped: 0,
    metrics: {},
    classification: null,
    token: null,
    predictions: null,
  });
  const row = await evaluations.get(job.id);
  if (!row) throw errors.internal(`evaluation row ${job.id} vanished after insert`);
  return row;
}
