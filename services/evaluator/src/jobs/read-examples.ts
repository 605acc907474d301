import { errors } from '@l1g1/kit';
import type { EvalRecord } from '../adapters/ingestion-reader';
import type { EvaluatePlan } from '../domain/evaluations/evaluate-params';
import { sampleByHash } from '../domain/evaluations/record-sample';
import type { EvaluateJobContext, EvaluateJobDeps } from './evaluate-job-deps';

/**
 * Reads the plan's split and turns each record into a task's example
 * (`toExample` answers undefined for a record the run skips), bounded by the
 * evaluator's record limit, then keeps the `max_records` sample. Shared by
 * every task's path, so the limit and the sample are the same for all.
 */
export async function readExamples<E extends { id: string }>(
  deps: Pick<EvaluateJobDeps, 'snapshots' | 'maxRecords'>,
  plan: EvaluatePlan,
  ctx: EvaluateJobContext,
  toExample: (record: EvalRecord) => E | undefined,
): Promise<{ examples: E[]; skipped: number }> {
  await ctx.progress({ fraction: 0, message: `reading ${plan.dataset}@${plan.snapshot}${plan.split ? ` split ${plan.split}` : ''}` });
  const read: E[] = [];
  let skipped = 0;
  for await (const record of deps.snapshots.readRecords({ name: plan.dataset, snapshot: plan.snapshot }, plan.split, ctx.signal)) {
    const example = toExample(record);
    if (example === undefined) {
      skipped++;
      continue;
    }
    read.push(example);
    if (read.length > deps.maxRecords) {
      throw errors.failedPrecondition(`max_records: the split holds more than ${deps.maxRecords} records, the evaluator's limit; set max_records`, { field: 'max_records', reason: 'TOO_MANY_RECORDS' });
    }
  }
  return { examples: sampleByHash(read, plan.maxRecords, plan.seed), skipped };
}
