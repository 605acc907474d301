/**
 * The `labeling.prelabel` job: pages through the project's tasks in import
 * order, feeds them to the pinned model version through the inference
 * service in batches (at most `concurrency` calls in flight), and stores
 * each task's class scores, predicted value and uncertainties as its current
 * pre-label. Progress is reported as batches return; a cancel is seen
 * between batches. Each stored pre-label is whole, so a retried attempt
 * simply predicts again (a newer row replaces the older one).
 */
import { labeling } from '@l1g1/contracts';
import { outputScoreRows, type BatchPredictor, type JobHandler, type JsonValue } from '@l1g1/kit';
import { uncertaintyOf } from '../active-learning/uncertainty';
import type { LabelingDeps } from '../deps';
import type { LabelingStore, TaskRow } from '../domain/ports';
import type { PredictionRow } from '../domain/prediction-ports';
import { decodePrelabelPlan, type PrelabelPlan } from '../prelabels/prelabel-plan';
import { spanPrelabel } from '../prelabels/span-prelabel';
import { batchInput, type BatchInput } from '../prelabels/task-input';
import type { LabelingJobKindDef } from './labeling-job-kind';
import { decodeLabelingJobParams } from './labeling-job-params';

export const PRELABEL_JOB_KIND = 'labeling.prelabel';

export interface PrelabelJobDeps {
  store: LabelingStore;
  /** The inference service, one Predict per batch (cancelled with the job). */
  scores: BatchPredictor;
  /** Predict calls in flight per job. */
  concurrency: number;
  now: () => number;
}

/** Progress reports per run at most (each is a store write and an event). */
const PROGRESS_STEPS = 20;

export interface PrelabelCounts {
  predicted: number;
  skipped: number;
  failed: number;
}

export function createPrelabelJobHandler(deps: PrelabelJobDeps): JobHandler {
  return async (ctx) => {
    // The plan (pinned version, input layout) was resolved at submission; see createPrelabels.
    const plan = decodePrelabelPlan(decodeLabelingJobParams(ctx.params).plan ?? null);
    const total = (await deps.store.counts(plan.projectId, deps.now())).taskCount;
    const counts: PrelabelCounts = { predicted: 0, skipped: 0, failed: 0 };
    let reportedStep = -1;
    const report = async (): Promise<void> => {
      const done = counts.predicted + counts.skipped + counts.failed;
      const step = total === 0 ? PROGRESS_STEPS : Math.floor((done / total) * PROGRESS_STEPS);
      if (step <= reportedStep) return;
      reportedStep = step;
      await ctx.progress({
        fraction: total === 0 ? 1 : done / total,
        counters: { tasks_done: done, tasks_total: total, predicted: counts.predicted, skipped: counts.skipped, failed: counts.failed },
        message: `pre-labelled ${counts.predicted} of ${total} tasks with ${plan.modelName} v${plan.modelVersion}`,
      });
    };
    await report();
    let afterSeq = -1;
    const pageSize = plan.batchSize * Math.max(1, deps.concurrency);
    for (;;) {
      ctx.signal.throwIfAborted();
      const page = await deps.store.listTasks({ projectId: plan.projectId, state: labeling.TaskState.TASK_STATE_UNSPECIFIED, annotator: '', afterSeq, limit: pageSize, nowMs: deps.now() });
      if (page.length === 0) break;
      afterSeq = (page[page.length - 1] as TaskRow).seq;
      const todo = await selectTasks(deps.store, plan, page);
      counts.skipped += page.length - todo.length;
      const batches: TaskRow[][] = [];
      for (let i = 0; i < todo.length; i += plan.batchSize) batches.push(todo.slice(i, i + plan.batchSize));
      await Promise.all(
        batches.map(async (batch) => {
          const rows = await predictBatch(deps, plan, ctx.job.id, batch, ctx.signal);
          counts.failed += batch.length - rows.length;
          await deps.store.upsertPredictions(rows);
          counts.predicted += rows.length;
        }),
      );
      await report();
    }
    reportedStep = -1;
    await report();
    const result = labeling.PrelabelResult.toJSON({ ...counts, model: { name: plan.modelName, selector: { $case: 'version', value: plan.modelVersion } } });
    return result as JsonValue;
  };
}

/** Tasks of the page this run pre-labels: unannotated ones (unless asked), not those holding another model's pre-label (unless overwrite). */
async function selectTasks(store: LabelingStore, plan: PrelabelPlan, page: readonly TaskRow[]): Promise<TaskRow[]> {
  const ids = page.map((t) => t.id);
  const annotated = plan.includeAnnotated ? new Set<string>() : await store.annotatedTaskIds(ids);
  const existing = plan.overwrite ? new Map<string, PredictionRow>() : await store.predictionsOfTasks(ids);
  return page.filter((t) => !annotated.has(t.id) && (existing.get(t.id)?.modelName ?? plan.modelName) === plan.modelName);
}

async function predictBatch(deps: PrelabelJobDeps, plan: PrelabelPlan, jobId: string, batch: readonly TaskRow[], signal: AbortSignal): Promise<PredictionRow[]> {
  const input = batchInput(plan.input, batch);
  if (input.tasks.length === 0) return [];
  const outputs = await deps.scores.predict(
    { model: { name: plan.modelName, selector: { $case: 'version', value: plan.modelVersion } }, precision: plan.precision, inputs: [input.tensor] },
    signal,
  );
  const now = deps.now();
  if (input.tokens) return spanRows(plan, jobId, input, outputScoreRows(outputs, plan.outputName, input.tasks.length * (input.tensor.shape[1] ?? 1), plan.classNames.length), now);
  const scores = outputScoreRows(outputs, plan.outputName, input.tasks.length, plan.classNames.length);
  const multi = plan.multiLabel;
  return input.tasks.map((task, i) => {
    const p = scores[i] as number[];
    const classScores: Record<string, number> = {};
    plan.classNames.forEach((c, j) => (classScores[c] = p[j] as number));
    const top = p.indexOf(Math.max(...p));
    const labels = multi ? plan.classNames.filter((_c, j) => (p[j] as number) >= 0.5) : [plan.classNames[top] as string];
    const u = uncertaintyOf(p);
    return {
      taskId: task.id,
      projectId: plan.projectId,
      modelName: plan.modelName,
      modelVersion: plan.modelVersion,
      value: { value: { $case: 'classification', value: { labels } } },
      classScores,
      score: p[top] as number,
      leastConfidence: u.leastConfidence,
      margin: u.margin,
      entropy: u.entropy,
      jobId,
      createdAtMs: now,
    };
  });
}

/** A tagger's `[rows, time, tags]` scores (flattened to rows × time) → one span pre-label per task; padding rows are not read. */
function spanRows(plan: PrelabelPlan, jobId: string, input: BatchInput, scores: number[][], now: number): PredictionRow[] {
  const time = input.tensor.shape[1] ?? 1;
  return input.tasks.map((task, r) => {
    const { text, tokens } = input.tokens?.[r] ?? { text: '', tokens: [] };
    const p = spanPrelabel(scores.slice(r * time, r * time + tokens.length), plan.classNames, text, tokens, plan.spanLabels ?? []);
    return {
      taskId: task.id,
      projectId: plan.projectId,
      modelName: plan.modelName,
      modelVersion: plan.modelVersion,
      value: p.value,
      classScores: {},
      score: p.score,
      leastConfidence: p.uncertainty.leastConfidence,
      margin: p.uncertainty.margin,
      entropy: p.uncertainty.entropy,
      jobId,
      createdAtMs: now,
    };
  });
}

/** The kind as registered in `jobs/index.ts`. */
export const prelabelKind: LabelingJobKindDef = {
  kind: PRELABEL_JOB_KIND,
  proto: labeling.LabelingJobKind.LABELING_JOB_KIND_PRELABEL,
  view(request, result) {
    return {
      request: request === null ? undefined : { $case: 'prelabelRequest', value: labeling.CreatePrelabelsRequest.fromJSON(request) },
      result: result === undefined ? undefined : { $case: 'prelabelResult', value: labeling.PrelabelResult.fromJSON(result) },
    };
  },
  createHandler: (deps: LabelingDeps) => createPrelabelJobHandler({ store: deps.store, scores: deps.scores, concurrency: deps.config.predictConcurrency, now: deps.now }),
};
