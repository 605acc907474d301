import type { common } from '@l1g1/contracts';
import type { EvaluatePlan } from '../domain/evaluations/evaluate-params';
import type { EvaluateJobContext, EvaluateJobDeps } from './evaluate-job-deps';

/** Progress reports per run at most (each is a store write and an event). */
const PROGRESS_STEPS = 20;

/**
 * Predicts `examples` through the inference service in batches of the
 * plan's size, at the plan's precision, with `predictConcurrency` calls in
 * flight, reporting progress as batches return. Each task's path builds its
 * batch tensor and reads its outputs; the loop is this one for all.
 */
export async function predictInBatches<E>(
  deps: Pick<EvaluateJobDeps, 'predictor' | 'predictConcurrency'>,
  plan: Pick<EvaluatePlan, 'batchSize' | 'modelName' | 'modelVersion' | 'precision'>,
  ctx: EvaluateJobContext,
  examples: readonly E[],
  task: {
    /** The batch's input tensor. */
    input(batch: readonly E[]): common.Tensor;
    /** Reads a batch's outputs; `offset` is the batch's first example's index in `examples`. */
    read(outputs: common.Tensor[], batch: readonly E[], offset: number): void;
    /** What an example is, in progress counters and messages; default `records`. */
    unit?: string;
  },
): Promise<void> {
  const batches: { offset: number; rows: readonly E[] }[] = [];
  for (let i = 0; i < examples.length; i += plan.batchSize) batches.push({ offset: i, rows: examples.slice(i, i + plan.batchSize) });
  const model: common.ModelRef = { name: plan.modelName, selector: { $case: 'version', value: plan.modelVersion } };
  let next = 0;
  let done = 0;
  let reportedStep = 0;
  const worker = async (): Promise<void> => {
    while (next < batches.length) {
      const batch = batches[next++] as (typeof batches)[number];
      const outputs = await deps.predictor.predict({ model, precision: plan.precision, inputs: [task.input(batch.rows)] }, ctx.signal);
      task.read(outputs, batch.rows, batch.offset);
      done += batch.rows.length;
      const step = Math.floor((done / examples.length) * PROGRESS_STEPS);
      if (step > reportedStep) {
        reportedStep = step;
        const unit = task.unit ?? 'records';
        await ctx.progress({ fraction: done / examples.length, counters: { [`${unit}_done`]: done, [`${unit}_total`]: examples.length }, message: `predicted ${done} of ${examples.length} ${unit}` });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(deps.predictConcurrency, batches.length) }, worker));
}
