/**
 * The job runtime's contract, run against every JobStore (SQLite,
 * PostgreSQL): the store's own guarantees with a hand-driven clock, then the
 * worker on top of it with real time, real processes and a real SIGKILL.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { common } from '@l1g1/contracts';
import {
  createJobWorker,
  createSilentLogger,
  errors,
  jobAbortReason,
  L1g1Error,
  toJobStatus,
  watchJob,
  type Job,
  type JobEvent,
  type JobHandler,
  type JobStore,
  type JobWorker,
} from '@l1g1/kit';

/** Where a store's data lives, so a child process can open the same one. */
export type JobStoreTarget = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

export interface JobStoreFixture {
  /** A new store instance on the shared data (another replica when called twice). */
  open(now?: () => number, options?: { maxPendingPerKind?: number }): Promise<JobStore>;
  target(): JobStoreTarget;
  /** Runs SQL on the shared data behind the store's back (to make rows as an older build left them). */
  exec(sql: string): Promise<void>;
}

const logger = createSilentLogger();
let kindSeq = 0;
/** A kind of its own per test: claims filter by kind, so tests sharing a database never see each other's jobs. */
const freshKind = (): string => `test.k${++kindSeq}-${process.pid}`;

/** Polls `probe` until it returns a value (bounded: 20 s, then the test fails). */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

const finished = (store: JobStore, id: string): Promise<Job> =>
  eventually(`job ${id} to finish`, async () => {
    const j = await store.get(id);
    return j && ['succeeded', 'failed', 'cancelled'].includes(j.state) ? j : undefined;
  });

const stateTrail = (events: JobEvent[]): string[] => events.filter((e) => e.type === 'state').map((e) => (e.data as { state: string }).state);

export function describeJobStoreContract(name: string, fixture: () => JobStoreFixture): void {
  describe(`job runtime contract: ${name}`, () => {
    const opened: JobStore[] = [];
    const workers: JobWorker[] = [];
    let clock = 1_000_000;
    const open = async (now?: () => number, options?: { maxPendingPerKind?: number }): Promise<JobStore> => {
      const s = await fixture().open(now, options);
      opened.push(s);
      return s;
    };
    // A lease far longer than any stall of this loaded test machine: only the tests that mean to lose a lease do.
    const worker = (store: JobStore, handlers: Record<string, JobHandler>, extra: Partial<Parameters<typeof createJobWorker>[0]> = {}): JobWorker => {
      const w = createJobWorker({ store, handlers, logger, leaseMs: 10_000, pollMs: 100, retry: { baseDelayMs: 20, maxDelayMs: 100 }, random: () => 0, ...extra });
      workers.push(w);
      w.start();
      return w;
    };
    afterEach(async () => {
      await Promise.all(workers.splice(0).map((w) => w.stop()));
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    describe('store', () => {
      const fakeNow = (): number => clock;

      it('queues a job with its fields and refuses bad submissions naming the field', async () => {
        const store = await open(fakeNow);
        const kind = freshKind();
        const { job, created } = await store.submit({ kind, params: { rows: 3 } });
        assert.equal(created, true);
        assert.equal(job.state, 'queued');
        assert.equal(job.attempts, 0);
        assert.equal(job.maxAttempts, 3);
        assert.deepEqual(job.params, { rows: 3 });
        assert.deepEqual(job.progress, { fraction: 0, counters: {}, message: '' });
        assert.equal(job.createdAtMs, clock);
        assert.deepEqual(await store.get(job.id), job);
        const field = (p: Promise<unknown>, f: string) =>
          assert.rejects(p, (e: unknown) => e instanceof L1g1Error && e.kind === 'INVALID_ARGUMENT' && e.field === f);
        await field(store.submit({ kind: 'Bad Kind', params: {} }), 'kind');
        await field(store.submit({ kind, params: { big: 'x'.repeat(300 * 1024) } }), 'params');
        await field(store.submit({ kind, params: {}, maxAttempts: 0 }), 'max_attempts');
        await field(store.submit({ kind, params: {}, idempotencyKey: '' }), 'idempotency_key');
        await field(store.get('../etc'), 'job_id');
      });

      it('answers the same job for the same idempotency key, and refuses the key with other params', async () => {
        const a = await open(fakeNow);
        const b = await open(fakeNow);
        const kind = freshKind();
        const [first, second] = await Promise.all([
          a.submit({ kind, params: { x: 1 }, idempotencyKey: 'key-1' }),
          b.submit({ kind, params: { x: 1 }, idempotencyKey: 'key-1' }),
        ]);
        assert.equal(first.job.id, second.job.id);
        assert.deepEqual([first.created, second.created].sort(), [false, true]);
        await assert.rejects(
          a.submit({ kind, params: { x: 2 }, idempotencyKey: 'key-1' }),
          (e: unknown) => e instanceof L1g1Error && e.kind === 'ALREADY_EXISTS' && e.field === 'idempotency_key',
        );
        const other = await a.submit({ kind: freshKind(), params: { x: 1 }, idempotencyKey: 'key-1' });
        assert.notEqual(other.job.id, first.job.id, 'keys are per kind');
        assert.equal((await a.list({ kind })).length, 1);
      });

      it('lists jobs newest first, filtered by kind and state, in keyset pages', async () => {
        const store = await open(fakeNow);
        const kind = freshKind();
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) {
          clock += 1;
          ids.push((await store.submit({ kind, params: { i } })).job.id);
        }
        await store.requestCancel(ids[0]!);
        const first = await store.list({ kind, limit: 2 });
        assert.deepEqual(first.map((j) => j.id), [ids[4], ids[3]]);
        const last = first[first.length - 1]!;
        const next = await store.list({ kind, limit: 10, before: { createdAtMs: last.createdAtMs, id: last.id } });
        assert.deepEqual(next.map((j) => j.id), [ids[2], ids[1], ids[0]]);
        assert.deepEqual((await store.list({ kind, states: ['cancelled'] })).map((j) => j.id), [ids[0]]);
        await assert.rejects(store.list({ kind, limit: 0 }), (e: unknown) => e instanceof L1g1Error && e.field === 'limit');
      });

      it('lists by subject exactly over every job of it, in keyset pages, combined with kind, state and a second subject', async () => {
        const store = await open(fakeNow);
        const [kind, otherKind] = [freshKind(), freshKind()];
        const tag = `${process.pid}-${clock}`;
        const [a, b, c] = [`project:a-${tag}`, `project:b-${tag}`, `model:c-${tag}`];
        const ofA: string[] = [];
        for (let i = 0; i < 8; i++) {
          // Two jobs per tick: ties on created_at_ms are ordered by id, never skipped or repeated.
          if (i % 2 === 0) clock += 1;
          const subjects = i % 3 === 0 ? [a, c] : [a];
          ofA.push((await store.submit({ kind: i === 5 ? otherKind : kind, params: { i }, subjects: [...subjects, ...subjects] })).job.id);
          await store.submit({ kind, params: { i, other: true }, subjects: [b] });
        }
        await store.submit({ kind, params: { none: true } });
        // The store's own order among the two per tick: created_at_ms, then id, both descending.
        const all = await store.list({ subjects: [a], limit: 500 });
        assert.deepEqual(new Set(all.map((j) => j.id)), new Set(ofA), 'every job of the subject and no other');
        const created = all.map((j) => [j.createdAtMs, j.id] as const);
        assert.deepEqual(created, [...created].sort((x, y) => y[0] - x[0] || (y[1] < x[1] ? -1 : y[1] > x[1] ? 1 : 0)));
        const paged: string[] = [];
        let before: { createdAtMs: number; id: string } | undefined;
        for (let page = 0; page < 10; page++) {
          const got = await store.list({ subjects: [a], limit: 3, ...(before ? { before } : {}) });
          paged.push(...got.map((j) => j.id));
          const last = got[got.length - 1];
          if (got.length < 3 || !last) break;
          before = { createdAtMs: last.createdAtMs, id: last.id };
        }
        assert.deepEqual(paged, all.map((j) => j.id), 'three pages and a bit, in the same order as one long page');
        assert.deepEqual((await store.get(ofA[0]!))?.subjects, [a, c], 'stored once each, in the order given');
        assert.deepEqual((await store.list({ subjects: [a], kind: otherKind })).map((j) => j.id), [ofA[5]]);
        assert.deepEqual((await store.list({ subjects: [a], kinds: [otherKind, freshKind()] })).map((j) => j.id), [ofA[5]]);
        assert.equal((await store.list({ kinds: [kind, otherKind], limit: 500 })).length, 17, 'kinds without subjects: every job of those kinds');
        await store.requestCancel(ofA[1]!);
        assert.deepEqual((await store.list({ subjects: [a], states: ['cancelled'] })).map((j) => j.id), [ofA[1]]);
        assert.deepEqual(new Set((await store.list({ subjects: [a, c] })).map((j) => j.id)), new Set([ofA[0], ofA[3], ofA[6]]), 'both subjects');
        assert.deepEqual(await store.list({ subjects: [`project:none-${tag}`] }), []);
        const field = (p: Promise<unknown>, f: string) =>
          assert.rejects(p, (e: unknown) => e instanceof L1g1Error && e.kind === 'INVALID_ARGUMENT' && e.field === f);
        await field(store.list({ subjects: ['has space'] }), 'subjects[0]');
        await field(store.submit({ kind, params: {}, subjects: [a, ''] }), 'subjects[1]');
        await field(store.submit({ kind, params: {}, subjects: ['a', 'b', 'c', 'd', 'e'] }), 'subjects');
      });

      it('backfills the subjects of jobs an older build stored without any, once', async () => {
        const store = await open(fakeNow);
        const kind = freshKind();
        const subject = (i: number) => `dataset:d${i % 2}-${process.pid}-${kind}`;
        const old: string[] = [];
        for (let i = 0; i < 4; i++) old.push((await store.submit({ kind, params: { i } })).job.id);
        const fresh = (await store.submit({ kind, params: { i: 0 }, subjects: [subject(0)] })).job.id;
        const other = (await store.submit({ kind: freshKind(), params: { i: 0 } })).job.id;
        // As an older build left them: no subjects column value, no index rows.
        const ids = [...old, other].map((id) => `'${id}'`).join(', ');
        await fixture().exec(`UPDATE jobs SET subjects = NULL WHERE id IN (${ids})`);
        assert.deepEqual((await store.get(old[0]!))?.subjects, []);
        assert.deepEqual((await store.list({ subjects: [subject(0)] })).map((j) => j.id), [fresh], 'old rows show only in unfiltered lists');
        assert.equal((await store.list({ kind })).length, 5);
        const filled = await store.backfillSubjects([kind], (p, k) => (k === kind ? [subject((p as { i: number }).i), 'not valid'] : []));
        assert.equal(filled, 4, 'only the rows of this kind that had no subjects');
        assert.deepEqual(new Set((await store.list({ subjects: [subject(0)] })).map((j) => j.id)), new Set([fresh, old[0], old[2]]));
        assert.deepEqual((await store.get(old[1]!))?.subjects, [subject(1)], 'an invalid derived subject is left out');
        assert.equal(await store.backfillSubjects([kind], () => ['x:y']), 0, 'a second run finds nothing to do');
        assert.deepEqual((await store.get(other))?.subjects, [], 'another kind is not touched');
      });

      it("refuses a submission fast once a kind's queued and running jobs reach the cap", async () => {
        const store = await open(fakeNow, { maxPendingPerKind: 2 });
        const kind = freshKind();
        const first = (await store.submit({ kind, params: { i: 1 }, idempotencyKey: 'a' })).job;
        await store.submit({ kind, params: { i: 2 } });
        await assert.rejects(
          store.submit({ kind, params: { i: 3 } }),
          (e: unknown) => e instanceof L1g1Error && e.kind === 'RESOURCE_EXHAUSTED' && e.reason === 'JOB_QUEUE_FULL' && e.retryAfterMs > 0,
        );
        assert.equal((await store.list({ kind })).length, 2, 'the refused job was not stored');
        // A resubmission is not a new job: it still answers; another kind has its own cap.
        assert.equal((await store.submit({ kind, params: { i: 1 }, idempotencyKey: 'a' })).job.id, first.id);
        await store.submit({ kind: freshKind(), params: {} });
        // A finished job frees its place.
        await store.requestCancel(first.id);
        assert.equal((await store.submit({ kind, params: { i: 4 } })).created, true);
      });

      it('gives each job to exactly one of many concurrent claimers', async () => {
        const stores = await Promise.all([1, 2, 3, 4].map(() => open(fakeNow)));
        const kind = freshKind();
        const ids = new Set<string>();
        for (let i = 0; i < 20; i++) ids.add((await stores[0]!.submit({ kind, params: { i } })).job.id);
        const claimedBy = new Map<string, number>();
        await Promise.all(
          stores.map(async (s, w) => {
            for (;;) {
              const c = await s.claim({ workerId: `w${w}`, kinds: [kind], leaseMs: 60_000 });
              if (!c) return;
              assert.equal(claimedBy.has(c.job.id), false, `job ${c.job.id} claimed twice`);
              claimedBy.set(c.job.id, w);
            }
          }),
        );
        assert.deepEqual(new Set(claimedBy.keys()), ids);
        const running = await stores[0]!.list({ kind, states: ['running'], limit: 100 });
        assert.equal(running.length, 20);
        assert.ok(running.every((j) => j.attempts === 1));
      });

      it('reclaims a job whose lease expired, with its checkpoint, and fences the lost worker out', async () => {
        const store = await open(fakeNow);
        const kind = freshKind();
        const { job } = await store.submit({ kind, params: {} });
        const a = await store.claim({ workerId: 'a', kinds: [kind], leaseMs: 1000 });
        assert.equal(a?.job.id, job.id);
        await store.saveCheckpoint(job.id, a!.leaseToken, { state: { step: 2 }, blobs: ['ab'.repeat(32)] });
        assert.equal(await store.claim({ workerId: 'b', kinds: [kind], leaseMs: 1000 }), undefined, 'claimed while the lease holds');
        clock += 1001;
        const b = await store.claim({ workerId: 'b', kinds: [kind], leaseMs: 1000 });
        assert.equal(b?.job.id, job.id);
        assert.equal(b?.job.attempts, 2);
        assert.equal(b?.job.workerId, 'b');
        assert.deepEqual(b?.job.checkpoint?.state, { step: 2 });
        assert.deepEqual(b?.job.checkpoint?.blobs, ['ab'.repeat(32)]);
        assert.deepEqual(await store.heartbeat(job.id, a!.leaseToken, 1000), { held: false, cancelRequested: false });
        const lost = (e: unknown) => e instanceof L1g1Error && e.reason === 'LEASE_LOST';
        await assert.rejects(store.complete(job.id, a!.leaseToken, { by: 'a' }), lost);
        await assert.rejects(store.saveCheckpoint(job.id, a!.leaseToken, { state: { step: 9 }, blobs: [] }), lost);
        await assert.rejects(store.reportProgress(job.id, a!.leaseToken, { fraction: 1 }), lost);
        const done = await store.complete(job.id, b!.leaseToken, { by: 'b' });
        assert.equal(done.state, 'succeeded');
        assert.deepEqual(done.result, { by: 'b' });
        assert.equal(done.finishedAtMs, clock);
        // The shared contract shape every service answers with.
        const status = toJobStatus(done);
        assert.equal(status.state, common.JobState.JOB_STATE_SUCCEEDED);
        assert.equal(status.attempts, 2);
        assert.equal(status.kind, kind);
        assert.equal(status.finishedAt?.getTime(), clock);
        const wire = common.JobStatus.decode(common.JobStatus.encode(status).finish());
        assert.equal(wire.attempts, 2);
        assert.equal(wire.jobId, job.id);
      });

      it('renews a lease by heartbeat, so a live worker keeps its job', async () => {
        const store = await open(fakeNow);
        const kind = freshKind();
        await store.submit({ kind, params: {} });
        const a = await store.claim({ workerId: 'a', kinds: [kind], leaseMs: 1000 });
        clock += 800;
        assert.deepEqual(await store.heartbeat(a!.job.id, a!.leaseToken, 1000), { held: true, cancelRequested: false });
        clock += 800;
        assert.equal(await store.claim({ workerId: 'b', kinds: [kind], leaseMs: 1000 }), undefined);
      });

      it('fails a lost job that used all its attempts, and cancels a lost job that was asked to cancel', async () => {
        const store = await open(fakeNow);
        const kind = freshKind();
        const capped = (await store.submit({ kind, params: {}, maxAttempts: 1 })).job;
        await store.claim({ workerId: 'a', kinds: [kind], leaseMs: 1000 });
        const asked = (await store.submit({ kind, params: {} })).job;
        await store.claim({ workerId: 'a', kinds: [kind], leaseMs: 1000 });
        await store.requestCancel(asked.id);
        clock += 1001;
        assert.equal(await store.claim({ workerId: 'b', kinds: [kind], leaseMs: 1000 }), undefined);
        const failed = await store.get(capped.id);
        assert.equal(failed?.state, 'failed');
        assert.equal(failed?.error?.code, 'ABORTED');
        assert.equal(failed?.attempts, 1);
        assert.equal((await store.get(asked.id))?.state, 'cancelled');
      });

      it('cancels a queued job at once, flags a running one for its worker, and leaves a finished one', async () => {
        const store = await open(fakeNow);
        const kind = freshKind();
        const queued = (await store.submit({ kind, params: {} })).job;
        const cancelled = await store.requestCancel(queued.id);
        assert.equal(cancelled?.state, 'cancelled');
        assert.equal(cancelled?.finishedAtMs, clock);
        const running = (await store.submit({ kind, params: {} })).job;
        const c = await store.claim({ workerId: 'a', kinds: [kind], leaseMs: 1000 });
        assert.equal(c?.job.id, running.id);
        const flagged = await store.requestCancel(running.id);
        assert.equal(flagged?.state, 'running');
        assert.equal(flagged?.cancelRequested, true);
        assert.deepEqual(await store.heartbeat(running.id, c!.leaseToken, 1000), { held: true, cancelRequested: true });
        assert.equal((await store.markCancelled(running.id, c!.leaseToken)).state, 'cancelled');
        assert.equal((await store.requestCancel(running.id))?.state, 'cancelled');
        assert.equal(await store.requestCancel('00000000-0000-4000-8000-000000000000'), undefined);
        assert.deepEqual(stateTrail(await store.readEvents(running.id, 0)), ['queued', 'running', 'cancelled']);
      });

      it('retries a failed attempt only after its backoff, and fails it for good at the attempt cap', async () => {
        const store = await open(fakeNow);
        const kind = freshKind();
        const { job } = await store.submit({ kind, params: {}, maxAttempts: 2 });
        const first = await store.claim({ workerId: 'a', kinds: [kind], leaseMs: 1000 });
        const err = { code: 'UNAVAILABLE' as const, message: 'downstream down' };
        const retried = await store.fail(job.id, first!.leaseToken, err, 500);
        assert.equal(retried.state, 'queued');
        assert.equal(retried.runAfterMs, clock + 500);
        assert.deepEqual(retried.error, err);
        assert.equal(await store.claim({ workerId: 'a', kinds: [kind], leaseMs: 1000 }), undefined, 'claimed before its backoff');
        clock += 500;
        const second = await store.claim({ workerId: 'a', kinds: [kind], leaseMs: 1000 });
        assert.equal(second?.job.attempts, 2);
        const failed = await store.fail(job.id, second!.leaseToken, err, 500);
        assert.equal(failed.state, 'failed', 'a retry past the cap');
        assert.equal(failed.attempts, 2);
      });

      it('gives a released job back without counting the attempt', async () => {
        const store = await open(fakeNow);
        const kind = freshKind();
        const { job } = await store.submit({ kind, params: {} });
        const c = await store.claim({ workerId: 'a', kinds: [kind], leaseMs: 1000 });
        const released = await store.release(job.id, c!.leaseToken);
        assert.equal(released.state, 'queued');
        assert.equal(released.attempts, 0);
        assert.equal((await store.claim({ workerId: 'b', kinds: [kind], leaseMs: 1000 }))?.job.attempts, 1);
      });

      it('reopens a failed or cancelled job under the same id: attempts kept, outcome cleared, its log continued with a resumed event', async () => {
        const store = await open(fakeNow);
        const kind = freshKind();
        const { job } = await store.submit({ kind, params: { epochs: 1 }, maxAttempts: 1 });
        const c = await store.claim({ workerId: 'a', kinds: [kind], leaseMs: 1000 });
        await store.saveCheckpoint(job.id, c!.leaseToken, { state: { step: 4 }, blobs: [] });
        const failed = await store.fail(job.id, c!.leaseToken, { code: 'UNAVAILABLE', message: 'down' });
        assert.equal(failed.state, 'failed');
        const lastBefore = (await store.readEvents(job.id, 0)).at(-1)!.id;
        clock += 10;
        const reopened = await store.reopen(job.id, { params: { epochs: 2 }, checkpoint: { state: { step: 2 }, blobs: [] }, actor: 'ana' });
        assert.equal(reopened?.id, job.id);
        assert.equal(reopened?.state, 'queued');
        assert.equal(reopened?.attempts, 1, 'the attempt made before is kept');
        assert.equal(reopened?.maxAttempts, 4, 'three more attempts on top of the one made');
        assert.equal(reopened?.error, undefined);
        assert.equal(reopened?.finishedAtMs, undefined);
        assert.deepEqual(reopened?.params, { epochs: 2 });
        assert.deepEqual(reopened?.checkpoint?.state, { step: 2 });
        const after = await store.readEvents(job.id, lastBefore);
        assert.deepEqual(after.map((e) => e.type), ['resumed', 'state']);
        assert.deepEqual(after[0]?.data, { previous_state: 'failed', attempt: 1, actor: 'ana', checkpoint: { step: 2 } });
        assert.deepEqual(after[1]?.data, { state: 'queued', attempt: 1, resumed: true });
        const again = await store.claim({ workerId: 'b', kinds: [kind], leaseMs: 1000 });
        assert.equal(again?.job.id, job.id);
        assert.equal(again?.job.attempts, 2);
        // A cancelled job reopens too; without a checkpoint given, the last one stays.
        const cancelled = (await store.submit({ kind, params: {} })).job;
        await store.requestCancel(cancelled.id);
        assert.equal((await store.reopen(cancelled.id))?.state, 'queued');
        assert.equal(await store.reopen('00000000-0000-4000-8000-000000000000'), undefined);
        await assert.rejects(store.reopen('nope'), (e: unknown) => e instanceof L1g1Error && e.kind === 'INVALID_ARGUMENT' && e.field === 'job_id');
      });

      it('refuses to reopen a queued, running or succeeded job, naming job_id', async () => {
        const store = await open(fakeNow);
        const kind = freshKind();
        const refused = (p: Promise<unknown>) =>
          assert.rejects(p, (e: unknown) => e instanceof L1g1Error && e.kind === 'FAILED_PRECONDITION' && e.field === 'job_id' && e.reason === 'JOB_NOT_REOPENABLE');
        const { job } = await store.submit({ kind, params: {} });
        await refused(store.reopen(job.id));
        const c = await store.claim({ workerId: 'a', kinds: [kind], leaseMs: 1000 });
        await refused(store.reopen(job.id));
        await store.complete(job.id, c!.leaseToken, null);
        await refused(store.reopen(job.id));
        assert.deepEqual(stateTrail(await store.readEvents(job.id, 0)), ['queued', 'running', 'succeeded']);
      });

      it('lets exactly one of many concurrent reopens of a job win, across store instances', async () => {
        const stores = [await open(), await open(), await open()];
        const kind = freshKind();
        const { job } = await stores[0]!.submit({ kind, params: {} });
        await stores[0]!.requestCancel(job.id);
        const outcomes = await Promise.allSettled(stores.flatMap((s) => [s.reopen(job.id), s.reopen(job.id)]));
        assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
        for (const o of outcomes) {
          if (o.status === 'rejected') assert.ok(o.reason instanceof L1g1Error && o.reason.kind === 'FAILED_PRECONDITION', String(o.reason));
        }
        const events = await stores[0]!.readEvents(job.id, 0);
        assert.equal(events.filter((e) => e.type === 'resumed').length, 1);
        assert.deepEqual(stateTrail(events), ['queued', 'cancelled', 'queued']);
      });

      it('follows a reopened job past its earlier terminal event to its new end', async () => {
        const store = await open(fakeNow);
        const kind = freshKind();
        const { job } = await store.submit({ kind, params: {} });
        await store.requestCancel(job.id);
        await store.reopen(job.id);
        const ac = new AbortController();
        const seen: JobEvent[] = [];
        const watching = (async () => {
          for await (const e of watchJob(store, job.id, 0, ac.signal)) seen.push(e);
        })();
        await eventually('the replay', async () => (seen.length >= 4 ? true : undefined));
        const c = await store.claim({ workerId: 'a', kinds: [kind], leaseMs: 1000 });
        await store.complete(job.id, c!.leaseToken, null);
        await watching; // ends after the new terminal event, not the old one
        assert.deepEqual(stateTrail(seen), ['queued', 'cancelled', 'queued', 'running', 'succeeded']);
        assert.equal(seen.filter((e) => e.type === 'resumed').length, 1);
      });

      it('keeps an ordered event log per job, replayed from an event id and then followed live', async () => {
        const store = await open(fakeNow);
        const kind = freshKind();
        const { job } = await store.submit({ kind, params: {} });
        const other = (await store.submit({ kind: freshKind(), params: {} })).job;
        const c = await store.claim({ workerId: 'a', kinds: [kind], leaseMs: 1000 });
        await store.reportProgress(job.id, c!.leaseToken, { fraction: 0.5, counters: { rows: 5 }, message: 'half' });
        await store.emit(job.id, c!.leaseToken, 'metric', { loss: 0.25 });
        const before = await store.readEvents(job.id, 0);
        assert.deepEqual(before.map((e) => e.type), ['state', 'state', 'progress', 'metric']);
        assert.ok(before.every((e, i) => i === 0 || e.id > before[i - 1]!.id), 'ids increase');
        assert.ok(before.every((e) => e.jobId === job.id), 'only this job');
        assert.deepEqual(before[2]?.data, { fraction: 0.5, counters: { rows: 5 }, message: 'half' });
        // Resume after the second event (a client's Last-Event-ID): replay the rest, then live.
        const ac = new AbortController();
        const seen: JobEvent[] = [];
        const watching = (async () => {
          for await (const e of watchJob(store, job.id, before[1]!.id, ac.signal)) seen.push(e);
        })();
        await eventually('the replay', async () => (seen.length >= 2 ? true : undefined));
        await store.saveCheckpoint(job.id, c!.leaseToken, { state: { step: 1 }, blobs: [] });
        await store.complete(job.id, c!.leaseToken, { ok: true });
        await watching; // ends by itself after the terminal event
        assert.deepEqual(seen.map((e) => e.type), ['progress', 'metric', 'checkpoint', 'state']);
        assert.deepEqual(seen[3]?.data, { state: 'succeeded', attempt: 1 });
        // A finished job's watch replays and ends; another job's events never appear.
        const replay: JobEvent[] = [];
        for await (const e of watchJob(store, job.id, 0, new AbortController().signal)) replay.push(e);
        assert.equal(replay.length, 6);
        assert.deepEqual((await store.readEvents(other.id, 0)).map((e) => e.type), ['state']);
        await assert.rejects(store.readEvents(job.id, -1), (e: unknown) => e instanceof L1g1Error && e.kind === 'INVALID_ARGUMENT');
      });
    });

    describe('worker', () => {
      it('runs N jobs exactly once each with two workers on one queue', async () => {
        const kind = freshKind();
        const runs: string[] = [];
        const handler: JobHandler = async (ctx) => {
          runs.push(ctx.job.id);
          await new Promise((r) => setTimeout(r, 5));
          return { id: ctx.job.id };
        };
        const a = await open();
        const b = await open();
        worker(a, { [kind]: handler }, { workerId: 'wa', concurrency: 2 });
        worker(b, { [kind]: handler }, { workerId: 'wb', concurrency: 2 });
        const ids: string[] = [];
        for (let i = 0; i < 30; i++) ids.push((await a.submit({ kind, params: { i } })).job.id);
        for (const id of ids) {
          const j = await finished(a, id);
          assert.equal(j.state, 'succeeded');
          assert.equal(j.attempts, 1);
          assert.deepEqual(j.result, { id });
        }
        assert.deepEqual([...runs].sort(), [...ids].sort(), 'each job ran exactly once');
      });

      it('finishes a SIGKILLed worker process job in another worker, from its last checkpoint', async function () {
        this.timeout(60_000);
        const kind = freshKind();
        const store = await open();
        const { job } = await store.submit({ kind, params: { steps: 6 } });
        // A real worker process, killed for real once it has checkpointed step 3.
        const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'jobs-child-worker.ts')], {
          env: { ...process.env, JOB_TARGET: JSON.stringify(fixture().target()), JOB_KIND: kind, JOB_STOP_AFTER_STEP: '3' },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        try {
          await new Promise<void>((resolve, reject) => {
            let out = '';
            child.stdout?.on('data', (d: Buffer) => {
              out += d.toString();
              if (out.includes('checkpointed 3')) resolve();
            });
            child.once('exit', (code) => reject(new Error(`child exited (${code}) early: ${out}`)));
          });
        } finally {
          child.kill('SIGKILL');
          await exited;
        }
        const mid = await store.get(job.id);
        assert.equal(mid?.state, 'running', 'the dead worker still holds the job until its lease expires');
        assert.deepEqual(mid?.checkpoint?.state, { step: 3 });
        const executed: number[] = [];
        worker(store, {
          [kind]: async (ctx) => {
            const from = (ctx.checkpoint?.state as { step: number } | undefined)?.step ?? 0;
            for (let step = from + 1; step <= 6; step++) {
              executed.push(step);
              await ctx.saveCheckpoint({ step });
            }
            return { resumedFrom: from, attempt: ctx.attempt };
          },
        });
        const done = await finished(store, job.id);
        assert.equal(done.state, 'succeeded');
        assert.deepEqual(done.result, { resumedFrom: 3, attempt: 2 });
        assert.deepEqual(executed, [4, 5, 6], 'steps done before the kill were not redone');
        const events = await store.readEvents(job.id, 0);
        assert.deepEqual(
          events.filter((e) => e.type === 'checkpoint').map((e) => (e.data as { state: { step: number } }).state.step),
          [1, 2, 3, 4, 5, 6],
        );
        assert.deepEqual(stateTrail(events), ['queued', 'running', 'running', 'succeeded']);
        assert.equal((events.filter((e) => e.type === 'state')[2]?.data as { previous_worker_lost?: boolean }).previous_worker_lost, true);
      });

      it('aborts an attempt whose lease another worker took over, and records nothing from it', async () => {
        const kind = freshKind();
        const store = await open();
        let reason: string | undefined;
        let started = false;
        worker(store, {
          [kind]: async (ctx) => {
            started = true;
            await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
            reason = jobAbortReason(ctx.signal);
            return { by: 'the stale worker' };
          },
          // A long lease: only the heartbeat's answer (not the worker's own expiry guard) can abort within this test.
        }, { leaseMs: 60_000 });
        const { job } = await store.submit({ kind, params: {} });
        await eventually('the job to start', async () => (started ? true : undefined));
        // A replica whose clock is past the lease sees it expired and takes the job over.
        const later = await open(() => Date.now() + 60_000);
        const taken = await later.claim({ workerId: 'usurper', kinds: [kind], leaseMs: 120_000 });
        assert.equal(taken?.job.id, job.id);
        await eventually('the stale attempt to abort', async () => (reason ? true : undefined));
        assert.equal(reason, 'lease_lost');
        await later.complete(job.id, taken!.leaseToken, { by: 'usurper' });
        const done = await store.get(job.id);
        assert.deepEqual(done?.result, { by: 'usurper' });
        assert.deepEqual(stateTrail(await store.readEvents(job.id, 0)), ['queued', 'running', 'running', 'succeeded']);
      });

      it('cancels a running job through its AbortSignal and records it as cancelled', async () => {
        const kind = freshKind();
        const store = await open();
        let reason: string | undefined;
        let started = false;
        worker(store, {
          [kind]: async (ctx) => {
            started = true;
            await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
            reason = jobAbortReason(ctx.signal);
            throw errors.cancelled('stopped');
          },
        });
        const { job } = await store.submit({ kind, params: {} });
        await eventually('the job to start', async () => (started ? true : undefined));
        await store.requestCancel(job.id);
        const done = await finished(store, job.id);
        assert.equal(done.state, 'cancelled');
        assert.equal(reason, 'cancelled');
        assert.equal(done.attempts, 1);
        assert.ok(done.finishedAtMs !== undefined);
        assert.deepEqual(stateTrail(await store.readEvents(job.id, 0)), ['queued', 'running', 'cancelled']);
      });

      it('retries retryable failures with backoff until one succeeds', async () => {
        const kind = freshKind();
        const store = await open();
        worker(store, {
          [kind]: async (ctx) => {
            if (ctx.attempt < 3) throw errors.unavailable(`flaky ${ctx.attempt}`);
            return { attempt: ctx.attempt };
          },
        });
        const { job } = await store.submit({ kind, params: {}, maxAttempts: 5 });
        const done = await finished(store, job.id);
        assert.equal(done.state, 'succeeded');
        assert.equal(done.attempts, 3);
        const events = await store.readEvents(job.id, 0);
        assert.deepEqual(stateTrail(events), ['queued', 'running', 'queued', 'running', 'queued', 'running', 'succeeded']);
        // random() = 0: equal jitter gives half of 20 ms, then half of 40 ms.
        const delays = events.filter((e) => e.type === 'state' && 'retry_in_ms' in (e.data as object)).map((e) => (e.data as { retry_in_ms: number }).retry_in_ms);
        assert.deepEqual(delays, [10, 20]);
      });

      it('stops at the attempt cap, and never retries a non-retryable error', async () => {
        const kind = freshKind();
        const store = await open();
        let calls = 0;
        worker(store, {
          [kind]: async (ctx) => {
            calls++;
            if ((ctx.params as { mode: string }).mode === 'bad') throw errors.invalidArgument('params.mode', 'no such mode');
            throw errors.unavailable('always down');
          },
        });
        const capped = (await store.submit({ kind, params: { mode: 'down' }, maxAttempts: 2 })).job;
        const bad = (await store.submit({ kind, params: { mode: 'bad' }, maxAttempts: 5 })).job;
        const a = await finished(store, capped.id);
        const b = await finished(store, bad.id);
        assert.equal(a.state, 'failed');
        assert.equal(a.attempts, 2);
        assert.deepEqual(a.error, { code: 'UNAVAILABLE', message: 'always down' });
        assert.equal(b.state, 'failed');
        assert.equal(b.attempts, 1);
        assert.equal(b.error?.code, 'INVALID_ARGUMENT');
        assert.equal(calls, 3);
      });

      it('fails a job whose result is too large to store, without retrying it', async () => {
        const kind = freshKind();
        const store = await open();
        let calls = 0;
        worker(store, {
          [kind]: async () => {
            calls++;
            return { blob: 'x'.repeat(300 * 1024) };
          },
        });
        const { job } = await store.submit({ kind, params: {} });
        const done = await finished(store, job.id);
        assert.equal(done.state, 'failed');
        assert.equal(done.error?.code, 'INVALID_ARGUMENT');
        assert.match(done.error?.message ?? '', /^result: /);
        assert.equal(calls, 1);
      });

      it('records an unexpected error as INTERNAL with an incident id, never its text', async () => {
        const kind = freshKind();
        const store = await open();
        worker(store, {
          [kind]: async () => {
            throw new Error('ENOENT /srv/secret/path at 10.0.0.7');
          },
        });
        const { job } = await store.submit({ kind, params: {}, maxAttempts: 1 });
        const done = await finished(store, job.id);
        assert.equal(done.error?.code, 'INTERNAL');
        assert.match(done.error?.message ?? '', /^internal error \(incident [0-9a-f-]{36}\)$/);
      });

      it('runs at most `concurrency` jobs at once per worker', async () => {
        const kind = freshKind();
        const store = await open();
        let now = 0;
        let peak = 0;
        let release: () => void = () => undefined;
        const gate = new Promise<void>((r) => (release = r));
        worker(store, {
          [kind]: async () => {
            now++;
            peak = Math.max(peak, now);
            await gate;
            now--;
            return null;
          },
        }, { concurrency: 2 });
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) ids.push((await store.submit({ kind, params: { i } })).job.id);
        await eventually('two jobs running', async () => (now === 2 ? true : undefined));
        // Give the worker every chance to over-claim before checking.
        await new Promise((r) => setTimeout(r, 300));
        assert.equal((await store.list({ kind, states: ['running'] })).length, 2);
        release();
        for (const id of ids) assert.equal((await finished(store, id)).state, 'succeeded');
        assert.equal(peak, 2);
      });

      it('gives running jobs back to the queue when a worker stops', async () => {
        const kind = freshKind();
        const store = await open();
        let started = false;
        const w = worker(store, {
          [kind]: async (ctx) => {
            started = true;
            await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
            throw errors.cancelled('shutting down');
          },
        });
        const { job } = await store.submit({ kind, params: {} });
        await eventually('the job to start', async () => (started ? true : undefined));
        await w.stop();
        const after = await store.get(job.id);
        assert.equal(after?.state, 'queued');
        assert.equal(after?.attempts, 0);
      });
    });
  });
}
