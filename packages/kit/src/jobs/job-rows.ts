/** Row ↔ Job mapping and argument checks shared by the SQLite and PostgreSQL job stores. */
import type { ErrorKind } from '../errors';
import { errors, L1g1Error } from '../errors';
import { eventReadLimit, type LoggedEvent } from '../event-log';
import type { ListJobsOptions } from './job-store';
import { checkJobSubject, DEFAULT_MAX_ATTEMPTS, encodeJobJson, type Job, type JobEvent, type JobEventType, type JobState, type JsonValue, type ReopenJobInput } from './job';

/** A `jobs` row as either driver returns it (pg answers BIGINT as a string). */
export interface JobRow {
  id: string;
  kind: string;
  params: string;
  state: string;
  attempts: number | string;
  max_attempts: number | string;
  progress: string;
  result: string | null;
  error_code: string | null;
  error_message: string | null;
  idempotency_key: string | null;
  /** JSON array; NULL on a row stored before subjects existed and not backfilled yet. */
  subjects: string | null;
  checkpoint: string | null;
  cancel_requested: number | boolean;
  lease_token: string | null;
  worker_id: string | null;
  lease_expires_at_ms: number | string | null;
  run_after_ms: number | string;
  created_at_ms: number | string;
  updated_at_ms: number | string;
  started_at_ms: number | string | null;
  finished_at_ms: number | string | null;
}

const num = (v: number | string): number => Number(v);
const optNum = (v: number | string | null): number | undefined => (v === null ? undefined : Number(v));
// The stores only ever write JSON they produced with JSON.stringify.
const json = <T>(text: string): T => JSON.parse(text) as T;

export function jobFromRow(row: JobRow): Job {
  return {
    id: row.id,
    kind: row.kind,
    params: json<JsonValue>(row.params),
    state: row.state as JobState,
    attempts: num(row.attempts),
    maxAttempts: num(row.max_attempts),
    progress: json(row.progress),
    result: row.result === null ? undefined : json<JsonValue>(row.result),
    error: row.error_code === null ? undefined : { code: row.error_code as ErrorKind, message: row.error_message ?? '' },
    idempotencyKey: row.idempotency_key ?? undefined,
    subjects: row.subjects === null ? [] : json<string[]>(row.subjects),
    checkpoint: row.checkpoint === null ? undefined : json(row.checkpoint),
    cancelRequested: row.cancel_requested === true || row.cancel_requested === 1,
    workerId: row.worker_id ?? undefined,
    leaseExpiresAtMs: optNum(row.lease_expires_at_ms),
    runAfterMs: num(row.run_after_ms),
    createdAtMs: num(row.created_at_ms),
    updatedAtMs: num(row.updated_at_ms),
    startedAtMs: optNum(row.started_at_ms),
    finishedAtMs: optNum(row.finished_at_ms),
  };
}

export function toJobEvent(e: LoggedEvent<JsonValue>): JobEvent {
  return { id: e.id, jobId: e.key, type: e.type as JobEventType, atMs: e.atMs, data: e.data };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function checkJobId(id: string): void {
  if (typeof id !== 'string' || !UUID.test(id)) throw errors.invalidArgument('job_id', 'must be a job id (a lowercase UUID)');
}

export function checkLeaseMs(leaseMs: number): void {
  if (!Number.isInteger(leaseMs) || leaseMs < 1 || leaseMs > 3_600_000) throw errors.invalidArgument('lease_ms', 'must be an integer from 1 to 3600000');
}

export function listLimit(limit: number | undefined): number {
  if (limit === undefined) return 50;
  if (!Number.isInteger(limit) || limit < 1) throw errors.invalidArgument('limit', 'must be a positive integer');
  return Math.min(limit, 500);
}

/**
 * The SELECT behind `list`, written once for both stores. `arg` binds one value
 * and answers its placeholder (`?` or `$n`), called once per occurrence.
 * With subjects it walks the `job_subjects` index (subject, created_at_ms, job_id)
 * newest first, so the answer is exact over every job of that subject and the
 * keyset cursor pages through all of them; other subjects are an EXISTS probe.
 */
export function listJobsQuery(opts: ListJobsOptions, arg: (value: string | number) => string): string {
  const subjects = [...new Set((opts.subjects ?? []).map((s, i) => checkJobSubject(s, `subjects[${i}]`)))];
  const [first, ...others] = subjects;
  const t = first === undefined ? 'jobs' : 'j';
  // The keyset columns: the index's own copy of (created_at_ms, id) when walking a subject.
  const [at, id] = first === undefined ? ['created_at_ms', 'id'] : ['s.created_at_ms', 's.job_id'];
  const where: string[] = [];
  if (first !== undefined) where.push(`s.subject = ${arg(first)}`);
  for (const other of others) where.push(`EXISTS (SELECT 1 FROM job_subjects o WHERE o.job_id = s.job_id AND o.subject = ${arg(other)})`);
  if (opts.kind !== undefined) where.push(`${t}.kind = ${arg(opts.kind)}`);
  if (opts.kinds && opts.kinds.length > 0) where.push(`${t}.kind IN (${opts.kinds.map((k) => arg(k)).join(', ')})`);
  if (opts.states && opts.states.length > 0) where.push(`${t}.state IN (${opts.states.map((s) => arg(s)).join(', ')})`);
  if (opts.before) {
    const ms = opts.before.createdAtMs;
    where.push(`(${at} < ${arg(ms)} OR (${at} = ${arg(ms)} AND ${id} < ${arg(opts.before.id)}))`);
  }
  const from = first === undefined ? 'jobs' : 'job_subjects s JOIN jobs j ON j.id = s.job_id';
  const cond = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  return `SELECT ${t}.* FROM ${from} ${cond} ORDER BY ${at} DESC, ${id} DESC LIMIT ${arg(listLimit(opts.limit))}`;
}

/** Rows one backfill transaction fills at most (a short write lock, then the next batch). */
export const SUBJECT_BACKFILL_BATCH = 500;

/** The subjects a backfill stores for a row: those `subjectsOf` derives that are valid, without repeats. */
export function backfilledSubjects(subjectsOf: (params: JsonValue, kind: string) => readonly string[], row: { kind: string; params: string }): string[] {
  const valid: string[] = [];
  for (const s of subjectsOf(json<JsonValue>(row.params), row.kind)) {
    try {
      valid.push(checkJobSubject(s, 'subjects'));
    } catch {
      // An old row whose params hold something no subject can spell is listed unfiltered only.
    }
  }
  return [...new Set(valid)];
}

export function eventReadLimitFor(limit: number | undefined): number {
  return eventReadLimit(limit);
}

export function jobNotFound(id: string): L1g1Error {
  return errors.notFound(`job ${id}`, { reason: 'JOB_NOT_FOUND' });
}

/** A write under a lease that another claim replaced (or the job ended). */
export function leaseLost(id: string): L1g1Error {
  return errors.failedPrecondition(`job ${id} is no longer held by this worker (its lease was lost)`, { reason: 'LEASE_LOST' });
}

/** Default cap on a kind's queued + running jobs: submissions beyond it are refused, not stored. */
export const DEFAULT_MAX_PENDING_JOBS_PER_KIND = 10_000;

/** The answer to a submission whose kind already has `max` jobs queued or running. */
export function jobQueueFull(kind: string, max: number): L1g1Error {
  return errors.resourceExhausted(`job kind ${kind} already has ${max} jobs queued or running; retry later`, 1000, { reason: 'JOB_QUEUE_FULL' });
}

/** A resubmission with an idempotency key: the same job, or a refusal when the params differ. */
export function sameJobOrRefuse(existing: JobRow, paramsJson: string): { job: Job; created: false } {
  if (existing.params !== paramsJson) {
    throw errors.alreadyExists(`a job with idempotency_key "${existing.idempotency_key ?? ''}" and other params`, {
      reason: 'IDEMPOTENCY_KEY_REUSED',
      field: 'idempotency_key',
    });
  }
  return { job: jobFromRow(existing), created: false };
}

/** A retry delay as stored: whole milliseconds, never negative (NaN → 0). */
export function retryDelay(ms: number): number {
  return Number.isFinite(ms) ? Math.max(0, Math.round(ms)) : 0;
}

/** Attempts one reopen may add at most (a reopen is a person's decision, not a retry loop). */
const MAX_EXTRA_ATTEMPTS = 100;

/** What a reopen writes: the row's new fields and the data of its `resumed` and `state` events. */
export interface ReopenPlan {
  fields: Record<string, string | number | null>;
  resumed: JsonValue;
  queued: JsonValue;
}

/**
 * The one reopen rule both stores apply inside their transaction: only a
 * failed or cancelled job reopens (FAILED_PRECONDITION naming `job_id`
 * otherwise, so of two concurrent reopens the second is refused), its
 * attempt count is kept and its cap raised by `extraAttempts`, its outcome
 * (result, error, cancel flag, finish time) cleared.
 */
export function reopenPlan(job: Job, input: ReopenJobInput, t: number): ReopenPlan {
  if (job.state !== 'failed' && job.state !== 'cancelled') {
    throw errors.failedPrecondition(`job ${job.id} is ${job.state}; only a failed or cancelled job can be reopened`, { reason: 'JOB_NOT_REOPENABLE', field: 'job_id' });
  }
  const extra = input.extraAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(extra) || extra < 1 || extra > MAX_EXTRA_ATTEMPTS) {
    throw errors.invalidArgument('extra_attempts', `must be an integer from 1 to ${MAX_EXTRA_ATTEMPTS}`);
  }
  const fields: Record<string, string | number | null> = {
    state: 'queued',
    max_attempts: job.attempts + extra,
    result: null,
    error_code: null,
    error_message: null,
    lease_token: null,
    worker_id: null,
    lease_expires_at_ms: null,
    finished_at_ms: null,
    run_after_ms: t,
    updated_at_ms: t,
  };
  if (input.params !== undefined) fields['params'] = encodeJobJson(input.params, 'params');
  if (input.checkpoint !== undefined) {
    const saved = { state: input.checkpoint.state, blobs: [...input.checkpoint.blobs], atMs: t };
    fields['checkpoint'] = encodeJobJson(saved as unknown as JsonValue, 'checkpoint');
  }
  return {
    fields,
    resumed: {
      previous_state: job.state,
      attempt: job.attempts,
      ...(input.actor ? { actor: input.actor } : {}),
      ...(input.checkpoint ? { checkpoint: input.checkpoint.state } : {}),
    },
    queued: { state: 'queued', attempt: job.attempts, resumed: true },
  };
}
