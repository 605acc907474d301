/**
 * Evaluate, GetEvaluation and ListEvaluations. A request is checked and its
 * model, snapshot and split resolved in full before anything is queued: a
 * refused request leaves no job and no run behind.
 */
import { trace } from '@opentelemetry/api';
import { precisionName, type evaluator } from '@l1g1/contracts';
import { actorOf, decodePageToken, encodePageToken, errors, filterFingerprint, fromProtoJobState, type AsyncService } from '@l1g1/kit';
import type { EvaluatorDeps } from '../deps';
import { checkEvaluateRequest } from '../domain/evaluations/check-evaluate-request';
import { encodeEvaluatePlan, EVALUATE_JOB_KIND } from '../domain/evaluations/evaluate-params';
import { toEvaluationRun } from '../domain/evaluations/evaluation-run-view';
import type { EvaluationFilter, EvaluationState } from '../domain/evaluations/evaluation-store';
import { planEvaluation } from '../domain/evaluations/plan-evaluation';

type Handlers = Pick<AsyncService<evaluator.EvaluatorServiceService>, 'evaluate' | 'getEvaluation' | 'listEvaluations'>;

/** Attempts of one run: crash resumes (lease expiries) count, so leave room for a few. */
const MAX_ATTEMPTS = 3;
/** What a refused (queue full) caller is told to wait. */
const QUEUE_FULL_RETRY_MS = 10_000;
const PAGE_KIND = 'evaluator-runs';

function checkRunId(id: string): string {
  if (id.length === 0 || id.length > 200) throw errors.invalidArgument('run_id', 'must be 1-200 characters');
  return id;
}

function pageSize(page: { pageSize: number } | undefined): number {
  const n = page?.pageSize ?? 0;
  if (!Number.isInteger(n) || n < 0) throw errors.invalidArgument('page.page_size', 'must be a non-negative integer');
  return n === 0 ? 50 : Math.min(n, 1000);
}

export function createEvaluationHandlers(deps: EvaluatorDeps): Handlers {
  const { jobs, evaluations } = deps;
  return {
    async evaluate(req, call) {
      const checked = checkEvaluateRequest(req);
      const plan = await planEvaluation(deps, checked, actorOf(call.metadata));
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
      return toEvaluationRun(await jobs.get(job.id), row, { omitPredictions: true });
    },
    async getEvaluation(req) {
      const row = await evaluations.get(checkRunId(req.runId));
      if (!row) throw errors.notFound(`evaluation run ${req.runId}`, { reason: 'RUN_NOT_FOUND' });
      return toEvaluationRun(await jobs.get(row.runId), row, { omitPredictions: req.omitPredictions });
    },
    async listEvaluations(req) {
      const limit = pageSize(req.page);
      const state = fromProtoJobState(req.state);
      if (req.state !== 0 && state === undefined) throw errors.invalidArgument('state', `unknown job state ${req.state}`);
      const filter: EvaluationFilter = {};
      if (req.model?.name) {
        filter.modelName = req.model.name;
        // An alias names one version: the one it points at now.
        if (req.model.selector?.$case === 'version') filter.modelVersion = req.model.selector.value;
        else if (req.model.selector?.$case === 'alias') filter.modelVersion = (await deps.registry.resolve(req.model)).version;
      }
      if (req.dataset?.name) {
        filter.dataset = req.dataset.name;
        if (req.dataset.snapshot > 0) filter.snapshot = req.dataset.snapshot;
      }
      if (state) filter.state = state as EvaluationState;
      const fp = filterFingerprint({ filter });
      const token = decodePageToken(req.page?.pageToken ?? '', PAGE_KIND, fp, 'string');
      let before: { createdAtMs: number; runId: string } | undefined;
      if (token !== undefined) {
        const cut = token.indexOf(':');
        const ms = Number(token.slice(0, cut));
        const runId = token.slice(cut + 1);
        if (cut < 0 || !Number.isSafeInteger(ms) || !runId) throw errors.invalidArgument('page.page_token', 'is corrupted; start over without a token', { reason: 'INVALID_PAGE_TOKEN' });
        before = { createdAtMs: ms, runId };
      }
      const rows = await evaluations.list(filter, limit + 1, before);
      const shown = rows.slice(0, limit);
      const last = shown[shown.length - 1];
      const runs = await Promise.all(shown.map(async (row) => toEvaluationRun(await jobs.get(row.runId), row, { omitPredictions: true })));
      return {
        runs,
        page: { nextPageToken: rows.length > limit && last ? encodePageToken(PAGE_KIND, fp, `${last.createdAtMs}:${last.runId}`) : '', totalSize: 0 },
      };
    },
  };
}

