import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createSilentLogger, openJobStore, openPostgresJobStore, openSqlite, openSqliteJobStore, watchJob, type JobEvent } from '@l1g1/kit';
import { usePostgres } from '../../../test/support/postgres';
import { describeJobStoreContract } from './jobs-contract';

describe('kit: jobs on SQLite', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'l1g1-jobs-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  describeJobStoreContract('SQLite', () => ({
    open: async (now, options) => openSqliteJobStore(join(dir, 'jobs.db'), { pollIntervalMs: 100, ...(now ? { now } : {}), ...options }),
    target: () => ({ kind: 'sqlite', path: join(dir, 'jobs.db') }),
    exec: async (sql) => {
      const db = openSqlite(join(dir, 'jobs.db'), []);
      try {
        db.exec(sql);
      } finally {
        db.close();
      }
    },
  }));

  it('opens a jobs file an older build wrote (no subjects column): its jobs stay, list unfiltered, and backfill into subject filters', async () => {
    const path = join(dir, 'old-jobs.db');
    const old = openSqlite(path, []);
    // The jobs table as the build before subjects created it.
    old.exec(`CREATE TABLE jobs (id TEXT PRIMARY KEY, kind TEXT NOT NULL, params TEXT NOT NULL, state TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0, max_attempts INTEGER NOT NULL, progress TEXT NOT NULL, result TEXT, error_code TEXT,
      error_message TEXT, idempotency_key TEXT, checkpoint TEXT, cancel_requested INTEGER NOT NULL DEFAULT 0, lease_token TEXT,
      worker_id TEXT, lease_expires_at_ms INTEGER, run_after_ms INTEGER NOT NULL, created_at_ms INTEGER NOT NULL,
      updated_at_ms INTEGER NOT NULL, started_at_ms INTEGER, finished_at_ms INTEGER)`);
    const id = '00000000-0000-4000-8000-000000000001';
    old.prepare(`INSERT INTO jobs (id, kind, params, state, max_attempts, progress, run_after_ms, created_at_ms, updated_at_ms)
      VALUES (?, 'old.kind', '{"project_id":"p1"}', 'succeeded', 3, '{"fraction":1,"counters":{},"message":""}', 1, 1, 1)`).run(id);
    old.close();
    const store = openSqliteJobStore(path);
    try {
      assert.deepEqual((await store.get(id))?.subjects, []);
      assert.deepEqual((await store.list({ subjects: ['project:p1'] })).length, 0);
      assert.deepEqual((await store.list({ kind: 'old.kind' })).map((j) => j.id), [id]);
      assert.equal(await store.backfillSubjects(['old.kind'], (p) => [`project:${(p as { project_id: string }).project_id}`]), 1);
      const fresh = (await store.submit({ kind: 'old.kind', params: {}, subjects: ['project:p1'] })).job;
      assert.deepEqual((await store.list({ subjects: ['project:p1'] })).map((j) => j.id), [fresh.id, id]);
    } finally {
      await store.close();
    }
  });

  it('is what openJobStore picks when no database URL is set: a file under the data directory', async () => {
    const dataDir = join(dir, 'data');
    const store = await openJobStore({ databaseUrl: undefined, dataDir, logger: createSilentLogger() });
    try {
      const { job } = await store.submit({ kind: 'pick', params: {} });
      assert.equal(existsSync(join(dataDir, 'jobs.db')), true);
      assert.equal((await store.get(job.id))?.kind, 'pick');
    } finally {
      await store.close();
    }
  });
});

describe('kit: jobs on PostgreSQL', () => {
  const pg = usePostgres();
  describeJobStoreContract('PostgreSQL', () => ({
    open: (now, options) =>
      openPostgresJobStore({ url: pg.url, logger: createSilentLogger(), pollIntervalMs: 100, maxConnections: 5, ...(now ? { now } : {}), ...options }),
    target: () => ({ kind: 'postgres', url: pg.url }),
    exec: async (sql) => {
      const client = new Client({ connectionString: pg.url });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    },
  }));

  it('delivers live job events to another replica by LISTEN/NOTIFY, without polling', async function () {
    this.timeout(20_000);
    const logger = createSilentLogger();
    // An hour between polls: only a notification can wake this watcher within the test.
    const watcher = await openPostgresJobStore({ url: pg.url, logger, pollIntervalMs: 3_600_000 });
    const writer = await openPostgresJobStore({ url: pg.url, logger });
    try {
      const { job } = await writer.submit({ kind: 'notify', params: {} });
      const seen: JobEvent[] = [];
      const watching = (async () => {
        for await (const e of watchJob(watcher, job.id, 0, new AbortController().signal)) seen.push(e);
      })();
      // The watcher has replayed what exists; everything after this must be pushed to it.
      for (let i = 0; i < 200 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      assert.equal(seen.length, 1);
      const claimed = await writer.claim({ workerId: 'w', kinds: ['notify'], leaseMs: 60_000 });
      await writer.reportProgress(job.id, claimed!.leaseToken, { fraction: 0.5 });
      await writer.complete(job.id, claimed!.leaseToken, null);
      await watching; // returns after the terminal event, which only NOTIFY can deliver in time
      assert.deepEqual(seen.map((e) => e.type), ['state', 'state', 'progress', 'state']);
    } finally {
      await watcher.close();
      await writer.close();
    }
  });

  it('is what openJobStore picks when L1G1_DATABASE_URL is set', async () => {
    const store = await openJobStore({ databaseUrl: pg.url, dataDir: '/nonexistent', logger: createSilentLogger() });
    const direct = await openPostgresJobStore({ url: pg.url, logger: createSilentLogger() });
    try {
      const { job } = await store.submit({ kind: 'pick', params: {} });
      assert.equal((await direct.get(job.id))?.kind, 'pick', 'the job is in PostgreSQL');
    } finally {
      await store.close();
      await direct.close();
    }
  });
});
