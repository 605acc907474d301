import { TERMINAL_JOB_STATES, type JobEvent, type JobState } from './job';
import { jobNotFound } from './job-rows';
import type { JobStore } from './job-store';

const isTerminalEvent = (e: JobEvent): boolean =>
  e.type === 'state' && TERMINAL_JOB_STATES.has((e.data as { state?: JobState } | null)?.state ?? 'queued');

/**
 * The shape behind WatchJob streams and SSE with `Last-Event-ID`: replays the
 * job's events after `afterId`, follows live ones, and ends after the event
 * that finishes the job (or at once when it had already finished), or when
 * `signal` aborts. A job reopened after it finished is followed through its
 * earlier terminal events to its current end.
 */
export async function* watchJob(store: JobStore, jobId: string, afterId: number, signal: AbortSignal): AsyncGenerator<JobEvent> {
  const job = await store.get(jobId);
  if (!job) throw jobNotFound(jobId);
  if (TERMINAL_JOB_STATES.has(job.state)) {
    // Finished: its log is complete, so a replay is all there is.
    let after = afterId;
    for (;;) {
      const batch = await store.readEvents(jobId, after, 256);
      for (const e of batch) {
        if (signal.aborted) return;
        yield e;
        after = e.id;
      }
      if (batch.length < 256) return;
    }
  }
  const inner = new AbortController();
  const onAbort = (): void => inner.abort();
  signal.addEventListener('abort', onAbort);
  try {
    for await (const e of store.watchEvents(jobId, afterId, inner.signal)) {
      yield e;
      // A reopened job's log goes on after a terminal event (reopen appends its events in the
      // same transaction as the state change): the end is a terminal event nothing follows.
      if (isTerminalEvent(e) && (await store.readEvents(jobId, e.id, 1)).length === 0) return;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    inner.abort();
  }
}
