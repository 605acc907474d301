/**
 * The job model shared by every service that runs long work (ingestion,
 * labeling, trainer, evaluator): Kubernetes Job-like states, attempts,
 * progress, a checkpoint to resume from, and an idempotency key.
 */
import type { ErrorKind } from '../errors';
import { errors } from '../errors';

/** queued → running → succeeded | failed | cancelled; running → queued on a retry or a release. */
export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export const TERMINAL_JOB_STATES: ReadonlySet<JobState> = new Set<JobState>(['succeeded', 'failed', 'cancelled']);

/** JSON a job stores (params, result, checkpoint state, event data). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface JobProgress {
  /** 0..1; 0 until the job reports. */
  fraction: number;
  /** Named counters (rows_done, epochs ...). */
  counters: Record<string, number>;
  message: string;
}

/** Why a job failed (or its last attempt did): a catalogue code and a message fit for a user. */
export interface JobError {
  code: ErrorKind;
  message: string;
}

/**
 * What a job saved to resume from: a small JSON state plus the blob-store
 * artifacts (sha256 keys) it refers to, so they are known to be in use.
 */
export interface JobCheckpoint {
  state: JsonValue;
  blobs: string[];
  atMs: number;
}

export interface Job {
  id: string;
  kind: string;
  params: JsonValue;
  state: JobState;
  /** Claims so far (the running attempt included). */
  attempts: number;
  maxAttempts: number;
  progress: JobProgress;
  result: JsonValue | undefined;
  /** Set when failed; on a queued job, the error of the attempt that is being retried. */
  error: JobError | undefined;
  idempotencyKey: string | undefined;
  /** What the job is about (`project:<id>`, `dataset:<name>` ...), as given at submit; `list` filters by them. */
  subjects: string[];
  checkpoint: JobCheckpoint | undefined;
  cancelRequested: boolean;
  /** The worker holding the lease while running. */
  workerId: string | undefined;
  leaseExpiresAtMs: number | undefined;
  /** A queued job is not claimed before this (retry backoff). */
  runAfterMs: number;
  createdAtMs: number;
  updatedAtMs: number;
  startedAtMs: number | undefined;
  finishedAtMs: number | undefined;
}

export interface SubmitJobInput {
  kind: string;
  params: JsonValue;
  /** The same key (for the same kind) submitted again answers the first job. */
  idempotencyKey?: string;
  /** Default 3. */
  maxAttempts?: number;
  /**
   * What the job is about, e.g. `project:<id>`, `dataset:<name>`, `model:<name>`:
   * the store indexes them so `list({ subjects })` is exact over every job, not a
   * window of recent ones. Several because one job can be about several things (a
   * training job: its dataset and the model it registers into). Fixed at submit.
   */
  subjects?: readonly string[];
}

/**
 * Reopening a failed or cancelled job (the same id) so it runs again from its
 * checkpoint: its attempts so far are kept, its event log continues.
 */
export interface ReopenJobInput {
  /** New params (e.g. a longer run); default: unchanged. */
  params?: JsonValue;
  /** The checkpoint the next attempt starts from; default: the job's last one. */
  checkpoint?: { state: JsonValue; blobs: string[] };
  /** Attempts the reopened run may use on top of those already made (default 3). */
  extraAttempts?: number;
  /** Who asked (recorded in the `resumed` event). */
  actor?: string;
}

/** Event types in a job's log. */
export type JobEventType = 'state' | 'progress' | 'checkpoint' | 'metric' | 'log' | 'cancel_requested' | 'resumed';

/** One entry of a job's ordered event log (ids shared by all jobs of a store, increasing). */
export interface JobEvent {
  id: number;
  jobId: string;
  type: JobEventType;
  atMs: number;
  data: JsonValue;
}

export const DEFAULT_MAX_ATTEMPTS = 3;
const MAX_ATTEMPTS_LIMIT = 100;
const KIND = /^[a-z][a-z0-9_.-]{0,62}$/;
const MAX_KEY_CHARS = 200;
/** Subjects per job at most (they are index rows, not free-form tags). */
export const MAX_JOB_SUBJECTS = 4;
const MAX_SUBJECT_CHARS = 256;
// Printable ASCII without spaces: subjects are identifiers (kind:name), and one spelling each keeps filters exact.
const SUBJECT = /^[\x21-\x7e]+$/;
/** Params and checkpoints are small by design: artifacts go to the blob store. */
export const MAX_JOB_JSON_BYTES = 256 * 1024;

/** JSON text of `value`, refused when it is not JSON or larger than the limit (field named). */
export function encodeJobJson(value: JsonValue | undefined, field: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value ?? null);
  } catch {
    text = undefined;
  }
  if (text === undefined) throw errors.invalidArgument(field, 'must be JSON');
  if (Buffer.byteLength(text) > MAX_JOB_JSON_BYTES) {
    throw errors.invalidArgument(field, `must be at most ${MAX_JOB_JSON_BYTES} bytes of JSON (store artifacts in the blob store)`);
  }
  return text;
}

/** A subject (as given at submit or as a list filter), or INVALID_ARGUMENT naming `field`. */
export function checkJobSubject(subject: string, field: string): string {
  if (typeof subject !== 'string' || subject.length === 0 || subject.length > MAX_SUBJECT_CHARS || !SUBJECT.test(subject)) {
    throw errors.invalidArgument(field, `must be 1-${MAX_SUBJECT_CHARS} printable ASCII characters without spaces (e.g. project:<id>)`);
  }
  return subject;
}

/** A submission's subjects, checked and without repeats (in the order given). */
export function checkJobSubjects(subjects: readonly string[] | undefined): string[] {
  if (subjects === undefined) return [];
  if (!Array.isArray(subjects) || subjects.length > MAX_JOB_SUBJECTS) throw errors.invalidArgument('subjects', `must be a list of at most ${MAX_JOB_SUBJECTS} subjects`);
  return [...new Set(subjects.map((s, i) => checkJobSubject(s, `subjects[${i}]`)))];
}

/** Validates a submission; returns the normalised values. */
export function checkSubmit(input: SubmitJobInput): { kind: string; paramsJson: string; idempotencyKey: string | undefined; maxAttempts: number; subjects: string[] } {
  if (typeof input.kind !== 'string' || !KIND.test(input.kind)) {
    throw errors.invalidArgument('kind', 'must be 1-63 characters: lowercase letters, digits, _ . - (starting with a letter)');
  }
  const key = input.idempotencyKey;
  if (key !== undefined && (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_CHARS)) {
    throw errors.invalidArgument('idempotency_key', `must be 1-${MAX_KEY_CHARS} characters`);
  }
  const maxAttempts = input.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS_LIMIT) {
    throw errors.invalidArgument('max_attempts', `must be an integer from 1 to ${MAX_ATTEMPTS_LIMIT}`);
  }
  return { kind: input.kind, paramsJson: encodeJobJson(input.params, 'params'), idempotencyKey: key, maxAttempts, subjects: checkJobSubjects(input.subjects) };
}

export const EMPTY_PROGRESS: JobProgress = Object.freeze({ fraction: 0, counters: {}, message: '' }) as JobProgress;

/** Merges a progress report into the current one; a fraction outside 0..1 is refused. */
export function mergeProgress(current: JobProgress, update: Partial<JobProgress>): JobProgress {
  const fraction = update.fraction ?? current.fraction;
  if (!Number.isFinite(fraction) || fraction < 0 || fraction > 1) throw errors.invalidArgument('progress.fraction', 'must be between 0 and 1');
  for (const [name, value] of Object.entries(update.counters ?? {})) {
    if (!Number.isFinite(value)) throw errors.invalidArgument(`progress.counters.${name}`, 'must be a finite number');
  }
  return {
    fraction,
    counters: { ...current.counters, ...update.counters },
    message: update.message ?? current.message,
  };
}
