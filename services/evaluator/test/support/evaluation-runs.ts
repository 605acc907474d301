/** Test helpers around evaluation runs: wait for a run to end, catch a refusal. */
import { strict as assert } from 'node:assert';
import { common, type evaluator } from '@l1g1/contracts';
import { unary, type L1g1Error } from '@l1g1/kit';
import type { EvaluatorStack } from './start-evaluator';

const TERMINAL = new Set([common.JobState.JOB_STATE_SUCCEEDED, common.JobState.JOB_STATE_FAILED, common.JobState.JOB_STATE_CANCELLED]);

/** Polls GetEvaluation until the run is terminal (bounded: 600 polls of 100 ms). */
export async function waitForRun(s: EvaluatorStack, runId: string): Promise<evaluator.EvaluationRun> {
  for (let i = 0; i < 600; i++) {
    const run = await unary(s.client.getEvaluation.bind(s.client), { runId, omitPredictions: false });
    if (run.status && TERMINAL.has(run.status.state)) return run;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`run ${runId} did not finish`);
}

/** The error `p` was refused with; fails the test when it was not refused. */
export async function refusal(p: Promise<unknown>): Promise<L1g1Error> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e as L1g1Error,
  );
  assert.ok(err, 'the call was refused');
  return err;
}
