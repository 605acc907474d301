import { randomUUID } from 'node:crypto';
import { createSqliteEventLog } from '../event-log-sqlite';
import { openSqlite, type SqliteDatabase } from '../sqlite';
import {
  checkSubmit,
  EMPTY_PROGRESS,
  encodeJobJson,
  mergeProgress,
  TERMINAL_JOB_STATES,
  type Job,
  type JobError,
  type JobEvent,
  type JobEventType,
  type JsonValue,
} from './job';
import type { ClaimedJob, JobStore } from './job-store';
import {
  DEFAULT_MAX_PENDING_JOBS_PER_KIND,
  jobQueueFull,
  sameJobOrRefuse,
  checkJobId,
  checkLeaseMs,
  retryDelay, eventReadLimitFor, listJobsQuery, backfilledSubjects, SUBJECT_BACKFILL_BATCH, toJobEvent, type JobRow, jobFromRow, leaseLost, jobNotFound, reopenPlan } from './job-rows';

export interface SqliteJobStoreOptions {
  db: SqliteDatabase;
  /** Clock (ms since the epoch); tests may pass their own. */
  now?: () => number;
  /** How often watchers re-read for writers in other processes sharing the file (default 1000). */
  pollIntervalMs?: number;
  /** Cap on one kind's queued + running jobs (default 10,000); beyond it submit answers RESOURCE_EXHAUSTED. */
  maxPendingPerKind?: number;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS jobs (
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
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    lease_token TEXT,
    worker_id TEXT,
    lease_expires_at_ms INTEGER,
    run_after_ms INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    started_at_ms INTEGER,
    finished_at_ms INTEGER
  );
  CREATE UNIQUE INDEX IF NOT EXISTS jobs_idempotency ON jobs (kind, idempotency_key) WHERE idempotency_key IS NOT NULL;
  CREATE INDEX IF NOT EXISTS jobs_claimable ON jobs (state, run_after_ms);
  CREATE INDEX IF NOT EXISTS jobs_leases ON jobs (state, lease_expires_at_ms);
  CREATE INDEX IF NOT EXISTS jobs_by_created ON jobs (created_at_ms DESC, id DESC);
  CREATE INDEX IF NOT EXISTS jobs_by_kind_state ON jobs (kind, state);
`;

/**
 * Subjects (after `jobs.subjects` exists): one index row per (subject, job) in
 * the job's creation order, so a subject's jobs are read newest first from the
 * index alone; the partial index finds rows stored before subjects existed
 * (NULL) for a backfill without reading the others.
 */
const SUBJECT_SCHEMA = `
  CREATE TABLE IF NOT EXISTS job_subjects (
    subject TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    job_id TEXT NOT NULL,
    PRIMARY KEY (subject, created_at_ms, job_id)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS job_subjects_by_job ON job_subjects (job_id);
  CREATE INDEX IF NOT EXISTS jobs_without_subjects ON jobs (kind) WHERE subjects IS NULL;
`;

/**
 * The schema, on a new file or on one written by an older build: the job
 * table is shared with the service's own migrations (its user_version is
 * theirs), so a column added later is added here when it is missing.
 */
function ensureJobSchema(db: SqliteDatabase): void {
  db.transaction(() => {
    db.exec(SCHEMA);
    const columns = db.prepare('PRAGMA table_info(jobs)').all() as { name: string }[];
    if (!columns.some((c) => c.name === 'subjects')) db.exec('ALTER TABLE jobs ADD COLUMN subjects TEXT');
    db.exec(SUBJECT_SCHEMA);
  }).immediate();
}

/**
 * JobStore on SQLite (the embedded default). better-sqlite3 is synchronous
 * and every write runs in an IMMEDIATE transaction, which takes SQLite's
 * write lock first: two processes sharing the file can never both claim a
 * job. The per-job event log is kit's SQLite EventLog (table `job_events`),
 * appended inside the same transactions as the state it reports.
 */
export function createSqliteJobStore(options: SqliteJobStoreOptions): JobStore {
  const { db } = options;
  const now = options.now ?? Date.now;
  ensureJobSchema(db);
  const log = createSqliteEventLog<JsonValue>({ db, table: 'job_events', now, pollIntervalMs: options.pollIntervalMs ?? 1000 });
  const getRow = db.prepare<[string]>('SELECT * FROM jobs WHERE id = ?');
  const countPending = db.prepare<[string]>(`SELECT COUNT(*) AS n FROM jobs WHERE kind = ? AND state IN ('queued', 'running')`);
  const insertSubject = db.prepare<[string, number, string]>('INSERT OR IGNORE INTO job_subjects (subject, created_at_ms, job_id) VALUES (?, ?, ?)');
  const maxPending = options.maxPendingPerKind ?? DEFAULT_MAX_PENDING_JOBS_PER_KIND;
  const listeners = new Set<() => void>();
  let notifyScheduled = false;
  const notify = (): void => {
    if (notifyScheduled) return;
    notifyScheduled = true;
    // After the transaction: listeners may read what it wrote.
    queueMicrotask(() => {
      notifyScheduled = false;
      for (const l of [...listeners]) l();
    });
  };

  const load = (id: string): Job | undefined => {
    const row = getRow.get(id) as JobRow | undefined;
    return row ? jobFromRow(row) : undefined;
  };
  const event = (jobId: string, type: JobEventType, data: JsonValue): void => {
    log.appendSync({ key: jobId, type, data });
    if (type === 'state' && (data as { state?: string }).state === 'queued') notify();
  };
  /** The running job held by this token, or LEASE_LOST. */
  const held = (jobId: string, leaseToken: string): Job => {
    const row = getRow.get(jobId) as JobRow | undefined;
    if (!row) throw jobNotFound(jobId);
    if (row.state !== 'running' || row.lease_token !== leaseToken) throw leaseLost(jobId);
    return jobFromRow(row);
  };
  const update = (id: string, fields: Record<string, string | number | null>): void => {
    const names = Object.keys(fields);
    const sql = `UPDATE jobs SET ${names.map((n) => `${n} = @${n}`).join(', ')} WHERE id = @id`;
    db.prepare(sql).run({ ...fields, id });
  };
  const finish = (job: Job, state: 'succeeded' | 'failed' | 'cancelled', fields: Record<string, string | number | null>): Job => {
    const t = now();
    update(job.id, { state, lease_token: null, worker_id: null, lease_expires_at_ms: null, finished_at_ms: t, updated_at_ms: t, ...fields });
    event(job.id, 'state', { state, attempt: job.attempts, ...(fields['error_code'] ? { error: { code: fields['error_code'], message: fields['error_message'] ?? '' } } : {}) });
    return load(job.id) as Job;
  };
  // IMMEDIATE: take the write lock before reading, so the read that picks a job and the write that claims it are one step.
  const tx = <A extends unknown[], R>(fn: (...args: A) => R): ((...args: A) => R) => {
    const t = db.transaction(fn);
    return (...args: A) => t.immediate(...args);
  };

  const submitTx = tx((input: Parameters<JobStore['submit']>[0]) => {
    const s = checkSubmit(input);
    if (s.idempotencyKey !== undefined) {
      const existing = db.prepare('SELECT * FROM jobs WHERE kind = ? AND idempotency_key = ?').get(s.kind, s.idempotencyKey) as JobRow | undefined;
      if (existing) return sameJobOrRefuse(existing, s.paramsJson);
    }
    const pending = countPending.get(s.kind) as { n: number };
    if (pending.n >= maxPending) throw jobQueueFull(s.kind, maxPending);
    const id = randomUUID();
    const t = now();
    db.prepare(
      `INSERT INTO jobs (id, kind, params, state, attempts, max_attempts, progress, idempotency_key, subjects, run_after_ms, created_at_ms, updated_at_ms)
       VALUES (?, ?, ?, 'queued', 0, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(id, s.kind, s.paramsJson, s.maxAttempts, JSON.stringify(EMPTY_PROGRESS), s.idempotencyKey ?? null, JSON.stringify(s.subjects), t, t, t);
    for (const subject of s.subjects) insertSubject.run(subject, t, id);
    event(id, 'state', { state: 'queued', attempt: 0 });
    return { job: load(id) as Job, created: true };
  });

  const claimTx = tx((workerId: string, kinds: readonly string[], leaseMs: number): ClaimedJob | undefined => {
    if (kinds.length === 0) return undefined;
    const marks = kinds.map(() => '?').join(', ');
    const pick = db.prepare(
      `SELECT * FROM jobs WHERE kind IN (${marks}) AND (
         (state = 'queued' AND run_after_ms <= ?) OR (state = 'running' AND lease_expires_at_ms <= ?)
       ) ORDER BY run_after_ms, created_at_ms LIMIT 1`,
    );
    for (;;) {
      const t = now();
      const row = pick.get(...kinds, t, t) as JobRow | undefined;
      if (!row) return undefined;
      const job = jobFromRow(row);
      if (job.state === 'running') {
        // Its worker died (lease expired). Settle what it cannot do any more.
        if (job.cancelRequested) {
          finish(job, 'cancelled', {});
          continue;
        }
        if (job.attempts >= job.maxAttempts) {
          finish(job, 'failed', { error_code: 'ABORTED', error_message: `the worker running attempt ${job.attempts} was lost and no attempts are left` });
          continue;
        }
      }
      const leaseToken = randomUUID();
      update(job.id, {
        state: 'running',
        attempts: job.attempts + 1,
        lease_token: leaseToken,
        worker_id: workerId,
        lease_expires_at_ms: t + leaseMs,
        started_at_ms: job.startedAtMs ?? t,
        updated_at_ms: t,
      });
      event(job.id, 'state', {
        state: 'running',
        attempt: job.attempts + 1,
        worker_id: workerId,
        resumed_from_checkpoint: job.checkpoint !== undefined,
        ...(job.state === 'running' ? { previous_worker_lost: true } : {}),
      });
      return { job: load(job.id) as Job, leaseToken };
    }
  });

  return {
    async submit(input) {
      return submitTx(input);
    },
    async get(id) {
      checkJobId(id);
      return load(id);
    },
    async list(opts = {}) {
      const args: (string | number)[] = [];
      const sql = listJobsQuery(opts, (v) => {
        args.push(v);
        return '?';
      });
      return (db.prepare(sql).all(...args) as JobRow[]).map(jobFromRow);
    },
    async requestCancel(id) {
      checkJobId(id);
      return tx(() => {
        const job = load(id);
        if (!job || TERMINAL_JOB_STATES.has(job.state)) return job;
        if (job.state === 'queued') return finish(job, 'cancelled', {});
        if (job.cancelRequested) return job;
        update(id, { cancel_requested: 1, updated_at_ms: now() });
        event(id, 'cancel_requested', {});
        return load(id);
      })();
    },
    async reopen(id, input = {}) {
      checkJobId(id);
      return tx(() => {
        const job = load(id);
        if (!job) return undefined;
        const plan = reopenPlan(job, input, now());
        const pending = countPending.get(job.kind) as { n: number };
        if (pending.n >= maxPending) throw jobQueueFull(job.kind, maxPending);
        update(id, { ...plan.fields, cancel_requested: 0 });
        event(id, 'resumed', plan.resumed);
        event(id, 'state', plan.queued);
        return load(id);
      })();
    },
    async claim({ workerId, kinds, leaseMs }) {
      checkLeaseMs(leaseMs);
      return claimTx(workerId, kinds, leaseMs);
    },
    async heartbeat(jobId, leaseToken, leaseMs) {
      checkLeaseMs(leaseMs);
      const t = now();
      const info = db
        .prepare(`UPDATE jobs SET lease_expires_at_ms = ? WHERE id = ? AND lease_token = ? AND state = 'running'`)
        .run(t + leaseMs, jobId, leaseToken);
      if (info.changes === 0) return { held: false, cancelRequested: false };
      return { held: true, cancelRequested: (load(jobId) as Job).cancelRequested };
    },
    async saveCheckpoint(jobId, leaseToken, checkpoint) {
      const saved = { state: checkpoint.state, blobs: [...checkpoint.blobs], atMs: now() };
      const text = encodeJobJson(saved as unknown as JsonValue, 'checkpoint');
      return tx(() => {
        held(jobId, leaseToken);
        update(jobId, { checkpoint: text, updated_at_ms: saved.atMs });
        event(jobId, 'checkpoint', { state: saved.state, blobs: saved.blobs });
        return saved;
      })();
    },
    async reportProgress(jobId, leaseToken, progress) {
      return tx(() => {
        const job = held(jobId, leaseToken);
        const merged = mergeProgress(job.progress, progress);
        update(jobId, { progress: JSON.stringify(merged), updated_at_ms: now() });
        event(jobId, 'progress', { fraction: merged.fraction, counters: merged.counters, message: merged.message });
        return merged;
      })();
    },
    async emit(jobId, leaseToken, type, data) {
      const text = encodeJobJson(data, 'data');
      tx(() => {
        held(jobId, leaseToken);
        event(jobId, type, JSON.parse(text) as JsonValue);
      })();
    },
    async complete(jobId, leaseToken, result) {
      const text = encodeJobJson(result ?? null, 'result');
      return tx(() => finish(held(jobId, leaseToken), 'succeeded', { result: text, error_code: null, error_message: null }))();
    },
    async fail(jobId, leaseToken, error: JobError, retryInMs?: number) {
      return tx(() => {
        const job = held(jobId, leaseToken);
        if (retryInMs === undefined || job.attempts >= job.maxAttempts) {
          return finish(job, 'failed', { error_code: error.code, error_message: error.message });
        }
        const t = now();
        update(jobId, {
          state: 'queued',
          run_after_ms: t + retryDelay(retryInMs),
          error_code: error.code,
          error_message: error.message,
          lease_token: null,
          worker_id: null,
          lease_expires_at_ms: null,
          updated_at_ms: t,
        });
        event(jobId, 'state', { state: 'queued', attempt: job.attempts, retry_in_ms: retryDelay(retryInMs), error: { code: error.code, message: error.message } });
        return load(jobId) as Job;
      })();
    },
    async markCancelled(jobId, leaseToken) {
      return tx(() => finish(held(jobId, leaseToken), 'cancelled', {}))();
    },
    async release(jobId, leaseToken) {
      return tx(() => {
        const job = held(jobId, leaseToken);
        const t = now();
        update(jobId, { state: 'queued', attempts: job.attempts - 1, run_after_ms: t, lease_token: null, worker_id: null, lease_expires_at_ms: null, updated_at_ms: t });
        event(jobId, 'state', { state: 'queued', attempt: job.attempts - 1, released: true });
        return load(jobId) as Job;
      })();
    },
    async backfillSubjects(kinds, subjectsOf) {
      if (kinds.length === 0) return 0;
      const pick = db.prepare(`SELECT id, kind, params, created_at_ms FROM jobs WHERE kind IN (${kinds.map(() => '?').join(', ')}) AND subjects IS NULL LIMIT ?`);
      const fill = db.prepare<[string, string]>('UPDATE jobs SET subjects = ? WHERE id = ?');
      const batch = tx((): number => {
        const rows = pick.all(...kinds, SUBJECT_BACKFILL_BATCH) as { id: string; kind: string; params: string; created_at_ms: number }[];
        for (const row of rows) {
          const subjects = backfilledSubjects(subjectsOf, row);
          fill.run(JSON.stringify(subjects), row.id);
          for (const subject of subjects) insertSubject.run(subject, row.created_at_ms, row.id);
        }
        return rows.length;
      });
      // Ends: every batch turns its rows non-NULL, so the NULL rows run out.
      let filled = 0;
      for (let n = batch(); n > 0; n = batch()) {
        filled += n;
        // Let requests in between batches of a large file.
        await new Promise((r) => setImmediate(r));
      }
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
    },
  };
}

/** A SQLite job store in its own database file (`:memory:` for tests); closing the store closes the file. */
export function openSqliteJobStore(path: string, options: Omit<SqliteJobStoreOptions, 'db'> = {}): JobStore {
  const db = openSqlite(path, []);
  const store = createSqliteJobStore({ ...options, db });
  return {
    ...store,
    async close() {
      await store.close();
      db.close();
    },
  };
}
