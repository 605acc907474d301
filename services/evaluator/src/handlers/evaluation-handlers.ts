/**
 * Evaluate, GetEvaluation and ListEvaluations. A request is checked and its
 * model, snapshot and split resolved in full before anything is queued: a
 * refused request leaves no job and no run behind.
 */
import type { evaluator } from '@l1g1/contracts';
import { actorOf, decodeKeysetPageToken, encodeKeysetPageToken, errors, filterFingerprint, fromProtoJobState, type AsyncService } from '@l1g1/kit';
import type { EvaluatorDeps } from '../deps';
import { toEvaluationRun } from '../domain/evaluations/evaluation-run-view';
import type { EvaluationFilter, EvaluationState } from '../domain/evaluations/evaluation-store';
import { submitEvaluation } from '../domain/evaluations/submit-evaluation';

type Handlers = Pick<AsyncService<evaluator.EvaluatorServiceService>, 'evaluate' | 'getEvaluation' | 'listEvaluations'>;

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
      const row = await submitEvaluation(deps, req, actorOf(call.metadata));
      return toEvaluationRun(await jobs.get(row.runId), row, { omitPredictions: true });
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
      const cursor = decodeKeysetPageToken(req.page?.pageToken ?? '', PAGE_KIND, fp);
      const before = cursor ? { createdAtMs: cursor.n, runId: cursor.id } : undefined;
      const rows = await evaluations.list(filter, limit + 1, before);
      const shown = rows.slice(0, limit);
      const last = shown[shown.length - 1];
      const runs = await Promise.all(shown.map(async (row) => toEvaluationRun(await jobs.get(row.runId), row, { omitPredictions: true })));
      return {
        runs,
        page: { nextPageToken: rows.length > limit && last ? encodeKeysetPageToken(PAGE_KIND, fp, { n: last.createdAtMs, id: last.runId }) : '', totalSize: 0 },
      };
    },
  };
}

