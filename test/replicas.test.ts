/**
 * Issue 6, point 4: the replica scenarios, black-box, with every replica a
 * real child process (test/support/processes.ts) on one real PostgreSQL
 * (test/support/postgres.ts) and one real S3 server (test/support/s3.ts).
 * Skipped, with the reason printed, where PostgreSQL cannot be started.
 */
import { strict as assert } from 'node:assert';
import { createSilentLogger, openPostgresJobStore, type Job, type JobStore } from '@l1g1/kit';
import { usePostgres } from './support/postgres';
import { parseLogLine, useProcesses, type ChildHandle, type ProcessGroup } from './support/processes';

const WORKER_SCRIPT = 'test/support/replica-job-worker.ts';

/** A line a replica job worker printed (see replica-job-worker.ts). */
interface WorkerEvent {
  event: 'ready' | 'step' | 'checkpointed' | 'hanging';
  job?: string;
  step?: number;
  attempt?: number;
  worker: string;
}

const workerEvents = (child: ChildHandle): WorkerEvent[] =>
  child.lines().flatMap((line) => {
    const e = parseLogLine(line);
    return e && typeof e['event'] === 'string' ? [e as unknown as WorkerEvent] : [];
  });

/** Polls `probe` every 100 ms until it returns a value; fails the test after `timeoutMs`. */
async function eventually<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`gave up after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function startWorker(group: ProcessGroup, name: string, env: Record<string, string>): ChildHandle {
  return group.spawn(name, {
    script: WORKER_SCRIPT,
    execArgv: ['--import', 'tsx'],
    env: { REPLICA_WORKER_NAME: name, ...env },
  });
}

const ready = (child: ChildHandle): Promise<true> =>
  child.waitForLine('its "ready" line', (line) => (parseLogLine(line)?.['event'] === 'ready' ? true : undefined), 60_000);

const finished = (store: JobStore, id: string, timeoutMs = 60_000): Promise<Job> =>
  eventually(
    `job ${id} to finish`,
    async () => {
      const j = await store.get(id);
      return j && ['succeeded', 'failed', 'cancelled'].includes(j.state) ? j : undefined;
    },
    timeoutMs,
  );

describe('replicas: two job worker processes on one PostgreSQL queue', function () {
  this.timeout(120_000);
  // Processes first: their `after` stops the workers before PostgreSQL goes away.
  const processes = useProcesses();
  const pg = usePostgres();
  let store: JobStore | undefined;
  const jobs = (): JobStore => {
    if (!store) throw new Error('the store opens in before()');
    return store;
  };

  before(async () => {
    store = await openPostgresJobStore({ url: pg.url, logger: createSilentLogger() });
  });
  after(async () => {
    await store?.close();
  });

  it('runs N jobs exactly once each across both workers', async () => {
    const kind = `replica.once-${process.pid}`;
    // A lease far longer than any stall of a loaded CI machine: no lease may be lost in this test.
    const env = { L1G1_DATABASE_URL: pg.url, REPLICA_JOB_KIND: kind, REPLICA_LEASE_MS: '15000' };
    const workers = [startWorker(processes.group, 'worker-a', env), startWorker(processes.group, 'worker-b', env)];
    await Promise.all(workers.map(ready));

    const n = 24;
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await jobs().submit({ kind, params: { steps: 1, step_ms: 60 } })).job.id);
    const done = await Promise.all(ids.map((id) => finished(jobs(), id)));

    const runs = workers.flatMap(workerEvents).filter((e) => e.event === 'step');
    for (const job of done) {
      assert.equal(job.state, 'succeeded', `job ${job.id}`);
      assert.equal(job.attempts, 1, `job ${job.id} was claimed once`);
      const ranBy = runs.filter((r) => r.job === job.id);
      assert.equal(ranBy.length, 1, `job ${job.id} ran ${ranBy.length} times`);
      assert.deepEqual(job.result, { worker: ranBy[0]?.worker, attempt: 1, resumed_from: 0 });
    }
    assert.equal(runs.length, n, 'no run of anything else');
    // Both processes took part: otherwise this would test one worker, not a shared queue.
    for (const w of workers) assert.ok(runs.some((r) => r.worker === w.name), `${w.name} ran none of the ${n} jobs`);
  });

  it('finishes a SIGKILLed worker process job in the other worker, from its last checkpoint', async () => {
    const kind = `replica.resume-${process.pid}`;
    // A short lease: the survivor takes over about 3 s after the kill.
    const env = { L1G1_DATABASE_URL: pg.url, REPLICA_JOB_KIND: kind, REPLICA_LEASE_MS: '3000' };
    const workers = [startWorker(processes.group, 'resume-a', env), startWorker(processes.group, 'resume-b', env)];
    await Promise.all(workers.map(ready));

    const { job } = await jobs().submit({ kind, params: { steps: 6, step_ms: 20, hang_after_step: 3 } });
    // Whichever worker claimed it checkpoints steps 1-3, then hangs mid-job: kill that one.
    const victim = await eventually('a worker to hang after step 3', () =>
      workers.find((w) => workerEvents(w).some((e) => e.event === 'hanging' && e.job === job.id)),
    );
    const survivor = workers.find((w) => w !== victim) as ChildHandle;
    const exit = await victim.kill('SIGKILL');
    assert.equal(exit.signal, 'SIGKILL');

    const mid = await jobs().get(job.id);
    assert.equal(mid?.state, 'running', 'the dead worker holds the job until its lease expires');
    assert.equal(mid?.workerId, victim.name);
    assert.deepEqual(mid?.checkpoint?.state, { step: 3 });

    const done = await finished(jobs(), job.id);
    assert.equal(done.state, 'succeeded');
    assert.equal(done.attempts, 2);
    assert.deepEqual(done.result, { worker: survivor.name, attempt: 2, resumed_from: 3 });
    const stepsBy = (w: ChildHandle): number[] => workerEvents(w).filter((e) => e.event === 'step' && e.job === job.id).map((e) => e.step ?? -1);
    assert.deepEqual(stepsBy(victim), [1, 2, 3]);
    assert.deepEqual(stepsBy(survivor), [4, 5, 6], 'steps checkpointed before the kill were not redone');

    const events = await jobs().readEvents(job.id, 0);
    const checkpoints = events.filter((e) => e.type === 'checkpoint').map((e) => (e.data as { state: { step: number } }).state.step);
    assert.deepEqual(checkpoints, [1, 2, 3, 4, 5, 6]);
    const states = events.filter((e) => e.type === 'state').map((e) => (e.data as { state: string }).state);
    assert.deepEqual(states, ['queued', 'running', 'running', 'succeeded']);
  });
});
