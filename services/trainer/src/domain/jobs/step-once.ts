/**
 * Which progress events a WatchJob stream shows as step events. The kit
 * stores every progress report with the job's merged counters, so reports
 * that only add figures (an evaluation's metrics, the final message) carry
 * the step of the report before them, and an attempt that resumes after a
 * crash re-runs (and re-reports) the steps between its checkpoint and the
 * kill. Shown as they are, a watcher would see those steps twice. A stream
 * therefore shows a progress event only when its step is past the last step
 * it showed. A `resumed` event (a user's ResumeJob, possibly from an earlier
 * checkpoint) starts a new run of steps, so the count starts over there.
 */
import type { JobEvent } from '@l1g1/kit';
import { PROGRESS_COUNTERS } from './training-job-view';

/** A filter for one stream: true when `e` is shown (events other than progress always are). */
export function createStepOnceFilter(): (e: JobEvent) => boolean {
  let lastStep = -1;
  return (e) => {
    if (e.type === 'resumed') {
      lastStep = -1;
      return true;
    }
    if (e.type !== 'progress') return true;
    const step = ((e.data ?? {}) as { counters?: Record<string, number> }).counters?.[PROGRESS_COUNTERS.step] ?? 0;
    if (step <= lastStep) return false;
    lastStep = step;
    return true;
  };
}
