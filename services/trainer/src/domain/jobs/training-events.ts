/**
 * A job's kit event log read as TrainingEvents. The runner writes its own
 * events as `metric` entries tagged by `event` (evaluation, checkpoint,
 * registered); progress reports become step events; state changes become
 * status events. Log lines and cancel requests are not part of the stream.
 */
import type { common, trainer } from '@l1g1/contracts';
import { toJobStatus, type Job, type JobEvent, type JobState, type JsonValue } from '@l1g1/kit';
import type { CheckpointRow } from './checkpoint-rows';
import { progressFromCounters } from './training-job-view';

/** Runner event payloads (the `data` of `metric` entries). */
export type RunnerEvent =
  | { event: 'evaluation'; step: number; epoch: number; metrics: Record<string, number>; improved: boolean }
  | { event: 'checkpoint'; checkpoint: { id: string; step: number; epoch: number; sha256: string; size_bytes: number; metrics: Record<string, number>; best: boolean; created_at_ms: number } }
  | { event: 'registered'; name: string; version: number };

export function checkpointEvent(row: CheckpointRow): RunnerEvent {
  return {
    event: 'checkpoint',
    checkpoint: { id: row.id, step: row.step, epoch: row.epoch, sha256: row.sha256, size_bytes: row.sizeBytes, metrics: row.metrics, best: row.best, created_at_ms: row.createdAtMs },
  };
}

/** A checkpoint row as the contract's Checkpoint. */
export function toCheckpoint(row: CheckpointRow, uriOf: (sha256: string) => string): trainer.Checkpoint {
  return {
    id: row.id,
    jobId: row.jobId,
    step: row.step,
    epoch: row.epoch,
    uri: uriOf(row.sha256),
    sha256: row.sha256,
    sizeBytes: row.sizeBytes,
    metrics: row.metrics,
    best: row.best,
    epsilonSpent: 0,
    createdAt: new Date(row.createdAtMs),
  };
}

function statusAt(job: Job, e: JobEvent): common.JobStatus {
  const d = (e.data ?? {}) as { state?: JobState; attempt?: number; error?: { code: string; message: string } };
  const state = d.state ?? job.state;
  // The status as it was at this event, on the job's current figures.
  const base = toJobStatus({ ...job, state, attempts: d.attempt ?? job.attempts });
  return {
    ...base,
    error: d.error ? { reason: d.error.code, field: '', message: d.error.message, metadata: {}, retryAfterMs: 0 } : state === 'failed' ? base.error : undefined,
  };
}

/** The TrainingEvent for `e`, or undefined when the event is not part of the stream. */
export function toTrainingEvent(job: Job, e: JobEvent, uriOf: (sha256: string) => string): trainer.TrainingEvent | undefined {
  const head = { sequence: e.id, jobId: job.id, at: new Date(e.atMs) };
  switch (e.type) {
    case 'state':
      return { ...head, event: { $case: 'status', value: statusAt(job, e) } };
    case 'progress': {
      const counters = ((e.data ?? {}) as { counters?: Record<string, number> }).counters ?? {};
      return { ...head, event: { $case: 'step', value: { progress: progressFromCounters(counters) } } };
    }
    case 'metric': {
      const d = e.data as RunnerEvent | JsonValue;
      if (!d || typeof d !== 'object' || Array.isArray(d) || !('event' in d)) return undefined;
      const r = d as RunnerEvent;
      if (r.event === 'evaluation') return { ...head, event: { $case: 'evaluation', value: { step: r.step, epoch: r.epoch, metrics: r.metrics, improved: r.improved } } };
      if (r.event === 'registered') return { ...head, event: { $case: 'registered', value: { name: r.name, selector: { $case: 'version', value: r.version } } } };
      const c = r.checkpoint;
      const row: CheckpointRow = { id: c.id, jobId: job.id, step: c.step, epoch: c.epoch, sha256: c.sha256, sizeBytes: c.size_bytes, metrics: c.metrics, best: c.best, createdAtMs: c.created_at_ms };
      return { ...head, event: { $case: 'checkpointSaved', value: toCheckpoint(row, uriOf) } };
    }
    default:
      return undefined;
  }
}
