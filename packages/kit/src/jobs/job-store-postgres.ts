/**
 * JobStore on PostgreSQL, for services running as several replicas.
 *
 * Why `FOR UPDATE SKIP LOCKED` on our own tables rather than pg-boss or
 * graphile-worker: a claim here is more than a dequeue. It must, in ONE
 * transaction, settle a dead worker's job (cancel requested → cancelled,
 * attempts used up → failed), hand out a fencing lease token, and append the
 * state change to the job's event log that WatchJob and SSE replay; every
 * later write (checkpoint, progress, outcome) is fenced by that token in the
 * same row. pg-boss keeps its jobs in its own schema with its own state
 * machine (no checkpoints, no per-job ordered event log, no fencing token),
 * so we would keep a second table in step with it across two transactions.
 * SKIP LOCKED is the primitive those engines are built on; used directly,
 * concurrent claimers never block each other and never take the same row.
 * Live events reach other replicas by LISTEN/NOTIFY (postgres-event-log.ts).
 */
import { randomUUID } from 'node:crypto';
import { errors } from '../errors';
import type { Logger } from '../logger';
import { openPostgres, withTransaction, type PostgresClient, type PostgresPool } from '../postgres';
import {
  checkSubmit,
  EMPTY_PROGRESS,
  encodeJobJson,
  mergeProgress,
  TERMINAL_JOB_STATES,
  type Job,
  type JobEvent,
  type JobEventType,
  type JsonValue,
} from './job';
import {
  DEFAULT_MAX_PENDING_JOBS_PER_KIND,
  jobQueueFull,
  sameJobOrRefuse,
  checkJobId,
  checkLeaseMs,
  retryDelay, eventReadLimitFor, jobFromRow, jobNotFound, leaseLost, listJobsQuery, backfilledSubjects, SUBJECT_BACKFILL_BATCH, reopenPlan, toJobEvent, type JobRow } from './job-rows';
import type { ClaimedJob, JobStore } from './job-store';
import { createDatabaseClock, type DatabaseClock } from './database-clock';
import { createPostgresEventLog } from './postgres-event-log';

/** Schema of the job runtime on PostgreSQL (component `l1g1_jobs` in l1g1_migrations). */
export const POSTGRES_JOB_MIGRATIONS: readonly string[] = [
  `CREATE TABLE jobs (
     id TEXT PRIMARY KEY,
     kind TEXT NOT NULL,
     params TEXT NOT NULL,
     state TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     max_attempts INTEGER NOT NULL,
     progress TEXT NOT NULL,
     result TEXT,
     error_code TEXT,
     error_message TEXT,
     idempotency_key TEXT,
     checkpoint TEXT,
     cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
     lease_token TEXT,
     worker_id TEXT,
     lease_expires_at_ms BIGINT,
     run_after_ms BIGINT NOT NULL,
     created_at_ms BIGINT NOT NULL,
     updated_at_ms BIGINT NOT NULL,
     started_at_ms BIGINT,
     finished_at_ms BIGINT
   );
   CREATE UNIQUE INDEX jobs_idempotency ON jobs (kind, idempotency_key) WHERE idempotency_key IS NOT NULL;
   CREATE INDEX jobs_queued ON jobs (run_after_ms, created_at_ms) WHERE state = 'queued';
   CREATE INDEX jobs_leases ON jobs (lease_expires_at_ms) WHERE state = 'running';
   CREATE INDEX jobs_by_created ON jobs (created_at_ms DESC, id DESC);
   CREATE TABLE job_events (
     id BIGSERIAL PRIMARY KEY,
     key TEXT NOT NULL,
     type TEXT NOT NULL,
     at_ms BIGINT NOT NULL,
     data TEXT NOT NULL
   );
   CREATE INDEX job_events_by_key ON job_events (key, id);`,
  // Submissions count a kind's queued + running jobs against its cap.
  `CREATE INDEX jobs_by_kind_state ON jobs (kind, state)`,
  // Subjects (see job-store-sqlite.ts): NULL marks a row stored before them, for a backfill.
  `ALTER TABLE jobs ADD COLUMN subjects TEXT;
   CREATE TABLE job_subjects (
     subject TEXT NOT NULL,
     created_at_ms BIGINT NOT NULL,
     job_id TEXT NOT NULL,
     PRIMARY KEY (subject, created_at_ms, job_id)
   );
   CREATE INDEX job_subjects_by_job ON job_subjects (job_id);
   CREATE INDEX jobs_without_subjects ON jobs (kind) WHERE subjects IS NULL;`,
];

const CHANNEL = 'l1g1_jobs';
/** NOTIFY payload: a job became queued (idle workers claim). */
const QUEUED = 'q';

export interface PostgresJobStoreOptions {
  /** Connection string (L1G1_DATABASE_URL). */
  url: string;
  logger: Logger;
  /** Pool size (default 10). */
  maxConnections?: number;
  /** Cap on one kind's queued + running jobs (default 10,000); beyond it submit answers RESOURCE_EXHAUSTED. */
  maxPendingPerKind?: number;
  /** Clock for leases and timestamps (default: the database server's, see database-clock.ts). */
  now?: () => number;
  /** Followers and idle workers re-check this often without a notification (default 1000). */
  pollIntervalMs?: number;
}

/** Opens the pool, applies the job migrations and starts listening for other replicas' events. */
export async function openPostgresJobStore(options: PostgresJobStoreOptions): Promise<JobStore> {
  const { logger } = options;
  const pool: PostgresPool = await openPostgres(options.url, POSTGRES_JOB_MIGRATIONS, {
    component: 'l1g1_jobs',
    ...(options.maxConnections !== undefined ? { maxConnections: options.maxConnections } : {}),
  });
  let clock: DatabaseClock | undefined;
  try {
    clock = options.now ? undefined : await createDatabaseClock(pool, logger);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  const now = options.now ?? (clock as DatabaseClock).now;
  const maxPending = options.maxPendingPerKind ?? DEFAULT_MAX_PENDING_JOBS_PER_KIND;
  const listeners = new Set<() => void>();
  const notifyLocal = (): void => {
    for (const l of [...listeners]) l();
  };
  const log = createPostgresEventLog<JsonValue>({
    pool,
    url: options.url,
    table: 'job_events',
    channel: CHANNEL,
    logger,
    now,
    pollIntervalMs: options.pollIntervalMs ?? 1000,
    // QUEUED from any replica, or '' after (re)connecting: work may be waiting.
    onNotification: () => notifyLocal(),
  });
  try {
    await log.listen();
  } catch (err) {
    clock?.stop();
    await pool.end().catch(() => undefined);
    throw err;
  }

  const tx = <R>(fn: (c: PostgresClient) => Promise<R>): Promise<R> => withTransaction(pool, fn);
  const loadFor = async (c: PostgresClient | PostgresPool, id: string, lock: boolean): Promise<Job | undefined> => {
    const res = await c.query<JobRow>(`SELECT * FROM jobs WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    const row = res.rows[0];
    return row ? jobFromRow(row) : undefined;
  };
  const event = async (c: PostgresClient, jobId: string, type: JobEventType, data: JsonValue): Promise<void> => {
    await log.appendInTransaction(c, { key: jobId, type, data });
    if (type === 'state' && (data as { state?: string }).state === 'queued') await c.query('SELECT pg_notify($1, $2)', [CHANNEL, QUEUED]);
  };
  /** Locks the row; the running job held by this token, or LEASE_LOST. */
  const held = async (c: PostgresClient, jobId: string, leaseToken: string): Promise<Job> => {
    const res = await c.query<JobRow>('SELECT * FROM jobs WHERE id = $1 FOR UPDATE', [jobId]);
    const row = res.rows[0];
    if (!row) throw jobNotFound(jobId);
    if (row.state !== 'running' || row.lease_token !== leaseToken) throw leaseLost(jobId);
    return jobFromRow(row);
  };
  const update = async (c: PostgresClient, id: string, fields: Record<string, string | number | boolean | null>): Promise<Job> => {
    const names = Object.keys(fields);
    const res = await c.query<JobRow>(`UPDATE jobs SET ${names.map((n, i) => `${n} = $${i + 2}`).join(', ')} WHERE id = $1 RETURNING *`, [
      id,
      ...names.map((n) => fields[n]),
    ]);
    return jobFromRow(res.rows[0] as JobRow);
  };
  const finish = async (
    c: PostgresClient,
    job: Job,
    state: 'succeeded' | 'failed' | 'cancelled',
    fields: Record<string, string | number | null>,
  ): Promise<Job> => {
    const t = now();
    const done = await update(c, job.id, { state, lease_token: null, worker_id: null, lease_expires_at_ms: null, finished_at_ms: t, updated_at_ms: t, ...fields });
    await event(c, job.id, 'state', {
      state,
      attempt: job.attempts,
      ...(fields['error_code'] ? { error: { code: fields['error_code'], message: fields['error_message'] ?? '' } } : {}),
    });
    return done;
  };

  return {
    async submit(input) {
      const s = checkSubmit(input);
      const findByKey = async (c: PostgresClient): Promise<JobRow | undefined> =>
        (await c.query<JobRow>('SELECT * FROM jobs WHERE kind = $1 AND idempotency_key = $2', [s.kind, s.idempotencyKey])).rows[0];
      return tx(async (c) => {
        if (s.idempotencyKey !== undefined) {
          const existing = await findByKey(c);
          if (existing) return sameJobOrRefuse(existing, s.paramsJson);
        }
        // A soft cap: concurrent submissions may pass it by a few, never by a flood.
        const pending = await c.query<{ n: string }>(`SELECT COUNT(*) AS n FROM jobs WHERE kind = $1 AND state IN ('queued', 'running')`, [s.kind]);
        if (Number(pending.rows[0]?.n ?? 0) >= maxPending) throw jobQueueFull(s.kind, maxPending);
        const t = now();
        const id = randomUUID();
        // ON CONFLICT: two replicas submitting the same key at once get one job between them.
        const ins = await c.query<JobRow>(
          `INSERT INTO jobs (id, kind, params, state, attempts, max_attempts, progress, idempotency_key, subjects, run_after_ms, created_at_ms, updated_at_ms)
           VALUES ($1, $2, $3, 'queued', 0, $4, $5, $6, $7, $8, $8, $8)
           ON CONFLICT (kind, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING *`,
          [id, s.kind, s.paramsJson, s.maxAttempts, JSON.stringify(EMPTY_PROGRESS), s.idempotencyKey ?? null, JSON.stringify(s.subjects), t],
        );
        const inserted = ins.rows[0];
        if (inserted) {
          if (s.subjects.length > 0) {
            await c.query('INSERT INTO job_subjects (subject, created_at_ms, job_id) SELECT unnest($1::text[]), $2, $3', [s.subjects, t, id]);
          }
          await event(c, id, 'state', { state: 'queued', attempt: 0 });
          return { job: jobFromRow(inserted), created: true };
        }
        // Another replica inserted the same key between our look-up and our insert.
        const existing = await findByKey(c);
        if (!existing) throw errors.unavailable('job submission raced; retry', { reason: 'SUBMIT_RACE' });
        return sameJobOrRefuse(existing, s.paramsJson);
      });
    },
    async get(id) {
      checkJobId(id);
      return loadFor(pool, id, false);
    },
    async list(opts = {}) {
      const args: (string | number)[] = [];
      const sql = listJobsQuery(opts, (v) => {
        args.push(v);
        return `$${args.length}`;
      });
      return (await pool.query<JobRow>(sql, args)).rows.map(jobFromRow);
    },
    async requestCancel(id) {
      checkJobId(id);
      return tx(async (c) => {
        const job = await loadFor(c, id, true);
        if (!job || TERMINAL_JOB_STATES.has(job.state)) return job;
        if (job.state === 'queued') return finish(c, job, 'cancelled', {});
        if (job.cancelRequested) return job;
        const flagged = await update(c, id, { cancel_requested: true, updated_at_ms: now() });
        await event(c, id, 'cancel_requested', {});
        return flagged;
      });
    },
    async reopen(id, input = {}) {
      checkJobId(id);
      return tx(async (c) => {
        // FOR UPDATE: a concurrent reopen waits here, then sees the job queued and is refused.
        const job = await loadFor(c, id, true);
        if (!job) return undefined;
        const plan = reopenPlan(job, input, now());
        const pending = await c.query<{ n: string }>(`SELECT COUNT(*) AS n FROM jobs WHERE kind = $1 AND state IN ('queued', 'running')`, [job.kind]);
        if (Number(pending.rows[0]?.n ?? 0) >= maxPending) throw jobQueueFull(job.kind, maxPending);
        const reopened = await update(c, id, { ...plan.fields, cancel_requested: false });
        await event(c, id, 'resumed', plan.resumed);
        await event(c, id, 'state', plan.queued);
        return reopened;
      });
    },
    async claim({ workerId, kinds, leaseMs }): Promise<ClaimedJob | undefined> {
      checkLeaseMs(leaseMs);
      if (kinds.length === 0) return undefined;
      for (;;) {
        const outcome = await tx(async (c): Promise<ClaimedJob | 'settled' | undefined> => {
          const t = now();
          // SKIP LOCKED: a row another claimer is taking is passed over, never waited for or taken twice.
          const res = await c.query<JobRow>(
            `SELECT * FROM jobs WHERE kind = ANY($1) AND (
               (state = 'queued' AND run_after_ms <= $2) OR (state = 'running' AND lease_expires_at_ms <= $2)
             ) ORDER BY run_after_ms, created_at_ms LIMIT 1 FOR UPDATE SKIP LOCKED`,
            [[...kinds], t],
          );
          const row = res.rows[0];
          if (!row) return undefined;
          const job = jobFromRow(row);
          if (job.state === 'running') {
            // Its worker died (lease expired). Settle what it cannot do any more.
            if (job.cancelRequested) {
              await finish(c, job, 'cancelled', {});
              return 'settled';
            }
            if (job.attempts >= job.maxAttempts) {
              await finish(c, job, 'failed', { error_code: 'ABORTED', error_message: `the worker running attempt ${job.attempts} was lost and no attempts are left` });
              return 'settled';
            }
          }
          const leaseToken = randomUUID();
          const claimed = await update(c, job.id, {
            state: 'running',
            attempts: job.attempts + 1,
            lease_token: leaseToken,
            worker_id: workerId,
            lease_expires_at_ms: t + leaseMs,
            started_at_ms: job.startedAtMs ?? t,
            updated_at_ms: t,
          });
          await event(c, job.id, 'state', {
            state: 'running',
            attempt: job.attempts + 1,
            worker_id: workerId,
            resumed_from_checkpoint: job.checkpoint !== undefined,
            ...(job.state === 'running' ? { previous_worker_lost: true } : {}),
          });
          return { job: claimed, leaseToken };
        });
        if (outcome !== 'settled') return outcome;
      }
    },
    async heartbeat(jobId, leaseToken, leaseMs) {
      checkLeaseMs(leaseMs);
      const res = await pool.query<{ cancel_requested: boolean }>(
        `UPDATE jobs SET lease_expires_at_ms = $3 WHERE id = $1 AND lease_token = $2 AND state = 'running' RETURNING cancel_requested`,
        [jobId, leaseToken, now() + leaseMs],
      );
      const row = res.rows[0];
      return row ? { held: true, cancelRequested: row.cancel_requested } : { held: false, cancelRequested: false };
    },
    async saveCheckpoint(jobId, leaseToken, checkpoint) {
      const saved = { state: checkpoint.state, blobs: [...checkpoint.blobs], atMs: now() };
      const text = encodeJobJson(saved as unknown as JsonValue, 'checkpoint');
      return tx(async (c) => {
        await held(c, jobId, leaseToken);
        await update(c, jobId, { checkpoint: text, updated_at_ms: saved.atMs });
        await event(c, jobId, 'checkpoint', { state: saved.state, blobs: saved.blobs });
        return saved;
      });
    },
    async reportProgress(jobId, leaseToken, progress) {
      return tx(async (c) => {
        const job = await held(c, jobId, leaseToken);
        const merged = mergeProgress(job.progress, progress);
        await update(c, jobId, { progress: JSON.stringify(merged), updated_at_ms: now() });
        await event(c, jobId, 'progress', { fraction: merged.fraction, counters: merged.counters, message: merged.message });
        return merged;
      });
    },
    async emit(jobId, leaseToken, type, data) {
      const text = encodeJobJson(data, 'data');
      await tx(async (c) => {
        await held(c, jobId, leaseToken);
        await event(c, jobId, type, JSON.parse(text) as JsonValue);
      });
    },
    async complete(jobId, leaseToken, result) {
      const text = encodeJobJson(result ?? null, 'result');
      return tx(async (c) => finish(c, await held(c, jobId, leaseToken), 'succeeded', { result: text, error_code: null, error_message: null }));
    },
    async fail(jobId, leaseToken, error, retryInMs) {
      return tx(async (c) => {
        const job = await held(c, jobId, leaseToken);
        if (retryInMs === undefined || job.attempts >= job.maxAttempts) {
          return finish(c, job, 'failed', { error_code: error.code, error_message: error.message });
        }
        const t = now();
        const queued = await update(c, jobId, {
          state: 'queued',
          run_after_ms: t + retryDelay(retryInMs),
          error_code: error.code,
          error_message: error.message,
          lease_token: null,
          worker_id: null,
          lease_expires_at_ms: null,
          updated_at_ms: t,
        });
        await event(c, jobId, 'state', { state: 'queued', attempt: job.attempts, retry_in_ms: retryDelay(retryInMs), error: { code: error.code, message: error.message } });
        return queued;
      });
    },
    async markCancelled(jobId, leaseToken) {
      return tx(async (c) => finish(c, await held(c, jobId, leaseToken), 'cancelled', {}));
    },
    async release(jobId, leaseToken) {
      return tx(async (c) => {
        const job = await held(c, jobId, leaseToken);
        const t = now();
        const queued = await update(c, jobId, {
          state: 'queued',
          attempts: job.attempts - 1,
          run_after_ms: t,
          lease_token: null,
          worker_id: null,
          lease_expires_at_ms: null,
          updated_at_ms: t,
        });
        await event(c, jobId, 'state', { state: 'queued', attempt: job.attempts - 1, released: true });
        return queued;
      });
    },
    async backfillSubjects(kinds, subjectsOf) {
      if (kinds.length === 0) return 0;
      // SKIP LOCKED: replicas starting together fill disjoint batches instead of waiting on each other.
      const batch = (): Promise<number> =>
        tx(async (c) => {
          const res = await c.query<{ id: string; kind: string; params: string; created_at_ms: string }>(
            'SELECT id, kind, params, created_at_ms FROM jobs WHERE kind = ANY($1) AND subjects IS NULL LIMIT $2 FOR UPDATE SKIP LOCKED',
            [[...kinds], SUBJECT_BACKFILL_BATCH],
          );
          for (const row of res.rows) {
            const subjects = backfilledSubjects(subjectsOf, row);
            await c.query('UPDATE jobs SET subjects = $1 WHERE id = $2', [JSON.stringify(subjects), row.id]);
            if (subjects.length > 0) {
              await c.query('INSERT INTO job_subjects (subject, created_at_ms, job_id) SELECT unnest($1::text[]), $2, $3 ON CONFLICT DO NOTHING', [subjects, row.created_at_ms, row.id]);
            }
          }
          return res.rows.length;
        });
      // Ends: every batch turns its rows non-NULL (rows another replica holds are its to fill).
      let filled = 0;
      for (let n = await batch(); n > 0; n = await batch()) filled += n;
      return filled;
    },
    async readEvents(jobId, afterId, limit) {
      checkJobId(jobId);
      return (await log.read(afterId, { key: jobId, limit: eventReadLimitFor(limit) })).map(toJobEvent);
    },
    async *watchEvents(jobId, afterId, signal): AsyncGenerator<JobEvent> {
      checkJobId(jobId);
      for await (const e of log.watch(afterId, { key: jobId, signal })) yield toJobEvent(e);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    async close() {
      listeners.clear();
      clock?.stop();
      await log.close();
      await pool.end();
    },
  };
}
