/**
 * `node loadtest/dist/bench-jobs.js [--jobs 500] [--database-url postgres://...]`:
 * empty jobs claimed and completed per second by the job runtime, on SQLite
 * and on PostgreSQL, with 1 and 4 workers (each worker its own store
 * instance, i.e. its own connection, as replicas would have; all in this
 * process, so the figure is the store's claim/complete path, not CPU
 * parallelism). The PostgreSQL cases need `--database-url` (or
 * L1G1_BENCH_DATABASE_URL); without one they print why they were skipped.
 *
 * Then the reclaim time: a worker process (bench-jobs-victim) is SIGKILLed
 * mid-job and the time until the job runs again in a surviving worker is
 * measured (`{"bench":"jobs-reclaim",...}`); by design it is the lease plus
 * at most one idle poll of the survivor.
 *
 * One JSON line per case (`{"bench":"jobs",...}`); bounded: every case stops
 * after --timeout-s whatever happened.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, platform, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createJobWorker, createSilentLogger, openPostgresJobStore, openSqliteJobStore, type JobStore } from '@l1g1/kit';

interface Case {
  store: 'sqlite' | 'postgres';
  workers: number;
}

const logger = createSilentLogger();

async function runCase(c: Case, open: () => Promise<JobStore>, jobs: number, timeoutMs: number): Promise<Record<string, unknown>> {
  const kind = `bench.${c.store}.${c.workers}.${Date.now()}`;
  const submitter = await open();
  const stores: JobStore[] = [];
  try {
    for (let i = 0; i < jobs; i++) await submitter.submit({ kind, params: {} });
    for (let w = 0; w < c.workers; w++) stores.push(await open());
    let ran = 0;
    const started = performance.now();
    const workers = stores.map((store) =>
      createJobWorker({
        store,
        logger,
        handlers: {
          [kind]: async () => {
            ran++;
            return null;
          },
        },
        pollMs: 50,
        leaseMs: 30_000,
      }),
    );
    for (const w of workers) w.start();
    // Done when nothing is queued or running; polled, bounded by the timeout.
    let timedOut = false;
    for (;;) {
      const left = await submitter.list({ kind, states: ['queued', 'running'], limit: 1 });
      if (left.length === 0) break;
      if (performance.now() - started > timeoutMs) {
        timedOut = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const seconds = (performance.now() - started) / 1000;
    await Promise.all(workers.map((w) => w.stop()));
    return {
      bench: 'jobs',
      store: c.store,
      workers: c.workers,
      jobs,
      seconds: Number(seconds.toFixed(3)),
      jobs_per_s: timedOut ? null : Math.round(jobs / seconds),
      timed_out: timedOut,
      handler_runs: ran,
    };
  } finally {
    await Promise.all(stores.map((s) => s.close()));
    await submitter.close();
  }
}

type Target = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

const RECLAIM_LEASE_MS = 2000;
const RECLAIM_POLL_MS = 50;

/** SIGKILLs a worker process mid-job; ms until the job runs again in this process's worker. */
async function reclaimCase(target: Target, open: () => Promise<JobStore>, timeoutMs: number): Promise<Record<string, unknown>> {
  const kind = `bench.reclaim.${target.kind}.${Date.now()}`;
  const store = await open();
  const victim = spawn(process.execPath, [join(__dirname, 'bench-jobs-victim.js')], {
    env: { ...process.env, JOB_TARGET: JSON.stringify(target), JOB_KIND: kind, JOB_LEASE_MS: String(RECLAIM_LEASE_MS) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((r) => victim.once('exit', () => r()));
  let survivor: ReturnType<typeof createJobWorker> | undefined;
  try {
    await store.submit({ kind, params: {} });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the victim never started the job')), timeoutMs);
      victim.stdout?.on('data', (d: Buffer) => {
        if (d.toString().includes('running')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    let rerunAt = 0;
    const rerun = new Promise<void>((resolve) => {
      survivor = createJobWorker({
        store,
        logger,
        leaseMs: 30_000,
        pollMs: RECLAIM_POLL_MS,
        handlers: {
          [kind]: async () => {
            rerunAt = performance.now();
            resolve();
            return null;
          },
        },
      });
    });
    victim.kill('SIGKILL');
    const killedAt = performance.now();
    await exited;
    survivor?.start();
    const timedOut = await Promise.race([rerun.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), timeoutMs).unref())]);
    return {
      bench: 'jobs-reclaim',
      store: target.kind,
      lease_ms: RECLAIM_LEASE_MS,
      survivor_poll_ms: RECLAIM_POLL_MS,
      kill_to_rerun_ms: timedOut ? null : Math.round(rerunAt - killedAt),
      timed_out: timedOut,
    };
  } finally {
    victim.kill('SIGKILL');
    await survivor?.stop();
    await store.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      jobs: { type: 'string', default: '500' },
      'database-url': { type: 'string' },
      'timeout-s': { type: 'string', default: '120' },
    },
  });
  const jobs = Math.max(1, Math.min(100_000, Number(values.jobs)));
  const timeoutMs = Math.max(1, Number(values['timeout-s'])) * 1000;
  const databaseUrl = values['database-url'] ?? process.env['L1G1_BENCH_DATABASE_URL'];
  const machine = { cpus: cpus().length, cpu_model: cpus()[0]?.model ?? '', os: `${platform()} ${release()}`, node: process.version };
  process.stdout.write(`${JSON.stringify({ bench: 'jobs-machine', date: new Date().toISOString(), ...machine })}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'l1g1-bench-jobs-'));
  try {
    for (const workers of [1, 4]) {
      const path = join(dir, `jobs-${workers}.db`);
      const line = await runCase({ store: 'sqlite', workers }, async () => openSqliteJobStore(path), jobs, timeoutMs);
      process.stdout.write(`${JSON.stringify(line)}\n`);
    }
    for (const workers of [1, 4]) {
      if (!databaseUrl) {
        process.stdout.write(`${JSON.stringify({ bench: 'jobs', store: 'postgres', workers, skipped: 'no --database-url / L1G1_BENCH_DATABASE_URL' })}\n`);
        continue;
      }
      const line = await runCase(
        { store: 'postgres', workers },
        () => openPostgresJobStore({ url: databaseUrl, logger, maxConnections: 4 }),
        jobs,
        timeoutMs,
      );
      process.stdout.write(`${JSON.stringify(line)}\n`);
    }
    const sqlitePath = join(dir, 'reclaim.db');
    process.stdout.write(`${JSON.stringify(await reclaimCase({ kind: 'sqlite', path: sqlitePath }, async () => openSqliteJobStore(sqlitePath), timeoutMs))}\n`);
    if (databaseUrl) {
      const line = await reclaimCase({ kind: 'postgres', url: databaseUrl }, () => openPostgresJobStore({ url: databaseUrl, logger }), timeoutMs);
      process.stdout.write(`${JSON.stringify(line)}\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
