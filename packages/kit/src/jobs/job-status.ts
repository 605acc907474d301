import { common } from '@l1g1/contracts';
import type { Job, JobState } from './job';

const STATE_TO_PROTO: Readonly<Record<JobState, common.JobState>> = {
  queued: common.JobState.JOB_STATE_QUEUED,
  running: common.JobState.JOB_STATE_RUNNING,
  succeeded: common.JobState.JOB_STATE_SUCCEEDED,
  failed: common.JobState.JOB_STATE_FAILED,
  cancelled: common.JobState.JOB_STATE_CANCELLED,
};

const ms = (v: number | undefined): Date | undefined => (v === undefined ? undefined : new Date(v));

/**
 * A job as the shared `l1g1.common.v1.JobStatus` every service's GetJob,
 * ListJobs and WatchJob answer with (one mapping, not one per service).
 * Worker ids, lease tokens and checkpoints are runtime internals: not sent.
 */
export function toJobStatus(job: Job): common.JobStatus {
  return {
    jobId: job.id,
    state: STATE_TO_PROTO[job.state],
    progress: job.progress.fraction,
    message: job.progress.message,
    createdAt: new Date(job.createdAtMs),
    startedAt: ms(job.startedAtMs),
    finishedAt: ms(job.finishedAtMs),
    error: job.error ? { reason: job.error.code, field: '', message: job.error.message, metadata: {}, retryAfterMs: 0 } : undefined,
    kind: job.kind,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    counters: { ...job.progress.counters },
    idempotencyKey: job.idempotencyKey ?? '',
    updatedAt: new Date(job.updatedAtMs),
    cancelRequested: job.cancelRequested,
  };
}

/** The proto enum back to the runtime's state (ListJobs filters); UNSPECIFIED → undefined (no filter). */
export function fromProtoJobState(state: common.JobState): JobState | undefined {
  for (const [name, value] of Object.entries(STATE_TO_PROTO)) if (value === state) return name as JobState;
  return undefined;
}
