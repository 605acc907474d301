/**
 * Trainer messages as `/v1` JSON: snake_case, lowercase enums, RFC 3339
 * timestamps. Storage URIs (file:///… paths on the trainer's disk) are left
 * out: they are internal details; checkpoints are named by id and sha256,
 * exports reach users through the registry.
 */
import { common, trainer } from '@l1g1/contracts';
import { precisionName, signatureJson } from '../../rest-json';
import { jobStateName } from '../ingestion/ingestion-json';
import { printMessage } from './spec-codec';
import { TRAINING_SPEC } from './spec-schema';

const timestamp = (d: Date | undefined): string | null => (d ? d.toISOString() : null);

export function modelRefJson(r: common.ModelRef | undefined) {
  if (!r) return null;
  return { name: r.name, ...(r.selector?.$case === 'version' ? { version: r.selector.value } : r.selector?.$case === 'alias' ? { alias: r.selector.value } : {}) };
}

function pageJson(p: common.PageResponse | undefined) {
  return { next_page_token: p?.nextPageToken ?? '', total_size: p?.totalSize ?? 0 };
}

export function trainingProgressJson(p: trainer.TrainingProgress | undefined) {
  return {
    step: p?.step ?? 0,
    total_steps: p?.totalSteps ?? 0,
    epoch: p?.epoch ?? 0,
    round: p?.round ?? 0,
    loss: p?.loss ?? 0,
    learning_rate: p?.learningRate ?? 0,
    samples_per_second: p?.samplesPerSecond ?? 0,
    metrics: p?.metrics ?? {},
    epsilon_spent: p?.epsilonSpent ?? 0,
  };
}

/** A job status as every `/v1` job shows it (flattened, as the ingestion jobs). */
export function jobStatusJson(s: common.JobStatus | undefined) {
  return {
    job_id: s?.jobId ?? '',
    kind: s?.kind ?? '',
    state: jobStateName(s?.state ?? 0),
    progress: s?.progress ?? 0,
    message: s?.message ?? '',
    attempts: s?.attempts ?? 0,
    max_attempts: s?.maxAttempts ?? 0,
    cancel_requested: s?.cancelRequested ?? false,
    idempotency_key: s?.idempotencyKey ?? '',
    error: s?.error ? { reason: s.error.reason, field: s.error.field, message: s.error.message } : null,
    created_at: timestamp(s?.createdAt),
    started_at: timestamp(s?.startedAt),
    finished_at: timestamp(s?.finishedAt),
    updated_at: timestamp(s?.updatedAt),
  };
}

/** A training job: its status flattened, the resolved spec, and the latest figures under `training`. */
export function trainingJobJson(j: trainer.TrainingJob) {
  return {
    ...jobStatusJson(j.status),
    spec: printMessage(TRAINING_SPEC, j.spec as unknown as Record<string, unknown> | undefined),
    training: trainingProgressJson(j.progress),
    registered_model: modelRefJson(j.registeredModel),
    resumed_from_checkpoint: j.resumedFromCheckpoint,
    attempt: j.attempt,
    worker_id: j.workerId,
    created_by: j.createdBy,
    tags: j.tags,
    stop_reason: j.stopReason,
  };
}

export function listTrainingJobsJson(r: trainer.ListJobsResponse) {
  return { jobs: r.jobs.map(trainingJobJson), ...pageJson(r.page) };
}

export function checkpointJson(c: trainer.Checkpoint) {
  return {
    id: c.id,
    job_id: c.jobId,
    step: c.step,
    epoch: c.epoch,
    sha256: c.sha256,
    size_bytes: c.sizeBytes,
    metrics: c.metrics,
    best: c.best,
    epsilon_spent: c.epsilonSpent,
    created_at: timestamp(c.createdAt),
  };
}

export function listCheckpointsJson(r: trainer.ListCheckpointsResponse) {
  return { checkpoints: r.checkpoints.map(checkpointJson), ...pageJson(r.page) };
}

export function exportJson(r: trainer.ExportOnnxResponse) {
  return {
    checkpoint_id: r.checkpointId,
    precision: precisionName(r.precision),
    sha256: r.sha256,
    size_bytes: r.sizeBytes,
    signature: signatureJson(r.signature),
    registered_model: modelRefJson(r.registeredModel),
  };
}

/** The SSE event name of a training event (the proto's oneof member, snake_case). */
export type TrainingEventName = 'step' | 'evaluation' | 'checkpoint' | 'status' | 'registered';

/** One training event as an SSE `event:` name and its `data:` JSON. */
export function trainingEventJson(e: trainer.TrainingEvent): { name: TrainingEventName; data: Record<string, unknown> } | undefined {
  const head = { sequence: e.sequence, job_id: e.jobId, at: timestamp(e.at) };
  const ev = e.event;
  switch (ev?.$case) {
    case 'step':
      return { name: 'step', data: { ...head, ...trainingProgressJson(ev.value.progress) } };
    case 'evaluation':
      return { name: 'evaluation', data: { ...head, step: ev.value.step, epoch: ev.value.epoch, metrics: ev.value.metrics, improved: ev.value.improved } };
    case 'checkpointSaved':
      return { name: 'checkpoint', data: { ...head, checkpoint: checkpointJson(ev.value) } };
    case 'status':
      return { name: 'status', data: { ...head, status: jobStatusJson(ev.value) } };
    case 'registered':
      return { name: 'registered', data: { ...head, model: modelRefJson(ev.value) } };
    default:
      // An event kind added to the contract after this gateway was built: skipped, not guessed at.
      return undefined;
  }
}

const TERMINAL = new Set([common.JobState.JOB_STATE_SUCCEEDED, common.JobState.JOB_STATE_FAILED, common.JobState.JOB_STATE_CANCELLED]);
/** Whether an event reports a terminal state (the stream ends after it). */
export const isTerminalEvent = (e: trainer.TrainingEvent): boolean => e.event?.$case === 'status' && TERMINAL.has(e.event.value.state);
