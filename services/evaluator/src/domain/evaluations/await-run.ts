/**
 * Waits, bounded, for a queued evaluation run to end, for RPCs that
 * evaluate on the caller's behalf (CompareVariants, EvaluateGate). The run
 * is a stored run like any other: a caller that gives up can still read it.
 */
import { errors, type JobStore } from '@l1g1/kit';
import type { EvaluationRow, EvaluationStore } from './evaluation-store';

const POLL_MS = 200;

export interface AwaitRunOptions {
  /** Longest wait; past it DEADLINE_EXCEEDED names the run (it keeps going). */
  timeoutMs: number;
  /** The caller went away: stop waiting (the run keeps going). */
  signal?: AbortSignal;
}

/** The finished (succeeded) row; a failed or cancelled run is FAILED_PRECONDITION with the run's own error. */
export async function awaitRun(store: EvaluationStore, jobs: JobStore, runId: string, what: string, options: AwaitRunOptions): Promise<EvaluationRow> {
  const until = Date.now() + options.timeoutMs;
  for (;;) {
    const row = await store.get(runId);
    if (!row) throw errors.internal(`evaluation run ${runId} vanished while waited for`);
    if (row.state === 'succeeded') return row;
    if (row.state === 'failed' || row.state === 'cancelled') {
      const job = await jobs.get(runId);
      // The run's error is already the client-safe message its job recorded.
      const why = job?.error?.message ?? row.state;
      throw errors.failedPrecondition(`evaluation of ${what} (run ${runId}) ${row.state}: ${why}`, { reason: 'EVALUATION_FAILED' });
    }
    if (Date.now() >= until) throw errors.deadlineExceeded(`evaluation of ${what} (run ${runId}) not finished within ${Math.round(options.timeoutMs / 1000)} s; it keeps running, read it with GetEvaluation`);
    if (options.signal?.aborted) throw errors.cancelled('the caller went away');
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
