/**
 * The `evaluator.evaluate` job: reads the pinned split, turns records into
 * the model's input, predicts through the inference service in batches
 * (bounded concurrency, the asked precision), computes the metrics, stores
 * the run and, when asked, merges the headline metrics into the registry
 * version. Progress is reported as the batches return. Each task has its
 * own path (evaluate-<task>.ts) over the shared read / predict / complete
 * steps; this file only picks it.
 *
 * An attempt holds no partial state: a retried or resumed job starts over
 * (evaluation is a read; repeating it changes nothing).
 */
import { jobAbortReason, type JobHandler } from '@l1g1/kit';
import { decodeEvaluatePlan, type EvaluatePlan, type LanguageModelPlan } from '../domain/evaluations/evaluate-params';
import { evaluateClassification } from './evaluate-classification';
import type { EvaluateJobContext, EvaluateJobDeps } from './evaluate-job-deps';
import { evaluateLanguageModel } from './evaluate-language-model';
import { evaluateTokenClassification } from './evaluate-token-classification';

export type { EvaluateJobDeps } from './evaluate-job-deps';

export function createEvaluateJobHandler(deps: EvaluateJobDeps): JobHandler {
  return async (ctx) => {
    const plan = decodeEvaluatePlan(ctx.params);
    const runId = ctx.job.id;
    await deps.evaluations.setState(runId, 'running');
    try {
      return await runTask(deps, plan, runId, ctx);
    } catch (err: unknown) {
      const reason = jobAbortReason(ctx.signal);
      // Shutdown or a lost lease puts the job back in the queue; a cancel or a failure ends this attempt.
      await deps.evaluations.setState(runId, reason === 'cancelled' ? 'cancelled' : reason ? 'queued' : 'failed').catch(() => undefined);
      throw err;
    }
  };
}

function runTask(deps: EvaluateJobDeps, plan: EvaluatePlan | LanguageModelPlan, runId: string, ctx: EvaluateJobContext): Promise<{ [k: string]: number }> {
  switch (plan.task) {
    case 'classification':
      return evaluateClassification(deps, plan, runId, ctx);
    case 'token_classification':
      return evaluateTokenClassification(deps, plan, runId, ctx);
    case 'language_modeling':
      return evaluateLanguageModel(deps, plan, runId, ctx);
  }
}
