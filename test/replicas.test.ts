/**
 * Issue 6, point 4: the replica scenarios, black-box, with every replica a
 * real child process (test/support/processes.ts) on one real PostgreSQL
 * (test/support/postgres.ts) and one real S3 server (test/support/s3.ts).
 * Skipped, with the reason printed, where PostgreSQL cannot be started.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { common, registry } from '@l1g1/contracts';
import { createSilentLogger, fromServiceError, openPostgresJobStore, unary, type Job, type JobStore } from '@l1g1/kit';
import { buildDemoClassifier } from '@l1g1/onnx';
import { usePostgres } from './support/postgres';
import { parseLogLine, useProcesses, type ChildHandle, type ProcessGroup } from './support/processes';
import { startReplicaCluster, type ReplicaCluster } from './support/replica-cluster';
import { useS3 } from './support/s3';

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
    // A short lease, so the survivor takes over seconds after the kill, yet long enough that the
    // job is still the victim's when the test looks right after the kill.
    const env = { L1G1_DATABASE_URL: pg.url, REPLICA_JOB_KIND: kind, REPLICA_LEASE_MS: '4000' };
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

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Opens a CreateVersion upload and sends its header; the caller streams chunks and ends it. */
function openUpload(client: registry.ModelRegistryServiceClient, name: string): {
  call: ReturnType<registry.ModelRegistryServiceClient['createVersion']>;
  answer: Promise<registry.ModelVersion>;
} {
  let call: ReturnType<registry.ModelRegistryServiceClient['createVersion']> | undefined;
  const answer = new Promise<registry.ModelVersion>((resolve, reject) => {
    call = client.createVersion(new Metadata(), { deadline: Date.now() + 60_000 }, (err: ServiceError | null, v?: registry.ModelVersion) =>
      err || !v ? reject(err ? fromServiceError(err) : new Error('no answer')) : resolve(v),
    );
  });
  const opened = call as NonNullable<typeof call>;
  opened.write({
    payload: {
      $case: 'header',
      value: registry.UploadHeader.fromPartial({ modelName: name, createModel: true, precision: common.Precision.PRECISION_FP32 }),
    },
  });
  return { call: opened, answer };
}

/** A whole upload; resolves with the version the registry acknowledged. */
function upload(client: registry.ModelRegistryServiceClient, name: string, bytes: Uint8Array): Promise<registry.ModelVersion> {
  const { call, answer } = openUpload(client, name);
  for (let off = 0; off < bytes.length; off += 64 * 1024) call.write({ payload: { $case: 'chunk', value: Buffer.from(bytes.subarray(off, off + 64 * 1024)) } });
  call.end();
  return answer;
}

/** `POST <gateway>/v1/models/<name>:predict` with the demo classifier's input; answers status and body. */
async function predict(gatewayUrl: string, model: string): Promise<{ status: number; body: { model_version?: number } & Record<string, unknown> }> {
  const res = await fetch(`${gatewayUrl}/v1/models/${model}:predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] }] }),
    signal: AbortSignal.timeout(15_000),
  });
  return { status: res.status, body: (await res.json()) as { model_version?: number } & Record<string, unknown> };
}

describe('replicas: two registries and two inference processes on one PostgreSQL and one S3 server', function () {
  this.timeout(180_000);
  const processes = useProcesses();
  const pg = usePostgres();
  const s3 = useS3('l1g1-replicas');
  let cluster: ReplicaCluster | undefined;
  const c = (): ReplicaCluster => {
    if (!cluster) throw new Error('the cluster starts in before()');
    return cluster;
  };

  before(async function () {
    this.timeout(180_000);
    cluster = await startReplicaCluster(processes.group, {
      databaseUrl: pg.url,
      blobUrl: `s3://${s3.s3.bucket}/models`,
      awsEnv: s3.s3.env,
    });
  });
  after(() => {
    cluster?.close();
  });

  it('moves an alias through registry A and both inference replicas serve the new version within seconds', async () => {
    const { a, b, adminKey } = c();
    const v1 = await upload(a.registryClient, 'moving', buildDemoClassifier({ seed: 101 }));
    await unary(a.registryClient.setAlias.bind(a.registryClient), { modelName: 'moving', alias: 'production', version: v1.version });
    // Uploaded through the other replica: B writes to the same database and bucket.
    const v2 = await upload(b.registryClient, 'moving', buildDemoClassifier({ seed: 102 }));
    assert.equal(v2.version, v1.version + 1, 'both registries number versions of one model in one sequence');

    // Each inference replica serves production (v1) first, so each has it loaded and follows its alias.
    for (const side of [a, b]) {
      const before = await eventually(`${side.gateway.process.name} to serve moving@production`, async () => {
        const r = await predict(side.gateway.address, 'moving@production');
        return r.status === 200 ? r : undefined;
      });
      assert.equal(before.body.model_version, v1.version, side.gateway.process.name);
    }

    // The move goes through gateway A → registry A only.
    const moved = await fetch(`${a.gateway.address}/v1/models/moving/aliases/production`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
      body: JSON.stringify({ version: v2.version }),
    });
    assert.equal(moved.status, 200, await moved.clone().text());
    assert.equal(((await moved.json()) as { to_version: number }).to_version, v2.version);

    // Inference B hears of it only through PostgreSQL and registry B's alias feed.
    for (const side of [b, a]) {
      await eventually(
        `${side.inference.process.name} to serve version ${v2.version}`,
        async () => {
          const r = await predict(side.gateway.address, 'moving@production');
          return r.status === 200 && r.body.model_version === v2.version ? true : undefined;
        },
        15_000,
      );
    }
  });

  it('loses no acknowledged upload when registry A is SIGKILLed mid-upload, and leaves no partial version', async () => {
    const { a, b } = c();
    const name = 'durable';
    const sent = new Map<string, Uint8Array>();
    const model = (seed: number): Uint8Array => {
      const bytes = buildDemoClassifier({ seed });
      sent.set(sha256(bytes), bytes);
      return bytes;
    };
    const acknowledged: registry.ModelVersion[] = [];
    const refused: string[] = [];
    const attempt = async (side: 'a' | 'b', seed: number): Promise<void> => {
      const client = side === 'a' ? a.registryClient : b.registryClient;
      try {
        acknowledged.push(await upload(client, name, model(seed)));
      } catch (err) {
        refused.push(`${side}#${seed}: ${err instanceof Error ? err.message : String(err)}`);
      }
    };

    // Uploads alternating between A and B, two at a time, before the kill.
    const n = 12;
    let seed = 1000;
    for (let i = 0; i < n / 2; i += 2) await Promise.all([attempt('a', ++seed), attempt('b', ++seed)]);
    // An upload to A that is mid-stream when A dies: header and a first chunk sent, never ended.
    const held = model(++seed);
    const midUpload = openUpload(a.registryClient, name);
    const midOutcome = midUpload.answer.then(
      (v) => ({ acknowledged: v }),
      (err: unknown) => ({ refused: err }),
    );
    midUpload.call.write({ payload: { $case: 'chunk', value: Buffer.from(held.subarray(0, held.length >> 1)) } });
    // More uploads in flight on both replicas while A is killed.
    const during = [attempt('a', ++seed), attempt('b', ++seed), attempt('a', ++seed), attempt('b', ++seed)];
    const exit = await a.registry.process.kill('SIGKILL');
    assert.equal(exit.signal, 'SIGKILL');
    await Promise.all(during);
    // After the kill: A's share is refused, B's goes on.
    for (let i = 0; i < 4; i++) await attempt(i % 2 === 0 ? 'a' : 'b', ++seed);

    const outcome = await midOutcome;
    assert.ok('refused' in outcome, 'the upload cut by the kill was never acknowledged');
    assert.ok(acknowledged.length >= 6, `acknowledged ${acknowledged.length}; refused: ${refused.join('; ')}`);
    assert.ok(refused.some((r) => r.startsWith('a#')), 'uploads to the dead replica were refused, not silently acknowledged');

    // Every acknowledged version is listed by B, with its bytes downloadable and matching.
    const listed = await unary(b.registryClient.listVersions.bind(b.registryClient), {
      modelName: name,
      page: { pageSize: 100, pageToken: '' },
      includeArchived: true,
      tags: {},
      dataset: undefined,
    });
    const byVersion = new Map(listed.versions.map((v) => [v.version, v]));
    for (const ack of acknowledged) {
      const v = byVersion.get(ack.version);
      assert.ok(v, `acknowledged version ${ack.version} is listed by registry B`);
      assert.equal(v.artifacts[0]?.sha256, ack.artifacts[0]?.sha256, `version ${ack.version}'s sha256`);
    }
    // No partial version: whatever B lists is complete, one of the artifacts sent, and downloads whole.
    for (const v of listed.versions) {
      const art = v.artifacts[0];
      assert.ok(art, `version ${v.version} has its artifact`);
      assert.ok(sent.has(art.sha256), `version ${v.version} holds bytes a client sent in full`);
      assert.notEqual(art.sha256, sha256(held), 'the cut upload left no version');
      const res = await fetch(`${b.gateway.address}/v1/models/${name}/versions/${v.version}/artifact?precision=fp32`);
      assert.equal(res.status, 200, `version ${v.version} downloads from B`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      assert.equal(bytes.length, Number(art.sizeBytes));
      assert.equal(sha256(bytes), art.sha256, `version ${v.version}'s bytes match its sha256`);
    }
    // Nor in the bucket: every object there is a whole artifact under its own sha256.
    const bucket = s3.s3.bucket;
    const client = new S3Client({ endpoint: s3.s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    try {
      const objects = (await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'models/' }))).Contents ?? [];
      assert.ok(objects.length > 0, 'the registries store artifacts in the bucket');
      for (const o of objects) {
        const key = o.Key ?? '';
        const named = /([0-9a-f]{64})$/.exec(key)?.[1];
        assert.ok(named, `object ${key} is named by its sha256 (no temporary or partial object)`);
        const body = await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body?.transformToByteArray();
        assert.equal(sha256(body ?? new Uint8Array()), named, `object ${key} holds the bytes its name promises`);
      }
      assert.ok(!objects.some((o) => o.Key?.endsWith(sha256(held))), 'the cut upload left no object');
    } finally {
      client.destroy();
    }
  });

  it('one gateway in front of every replica (ip:port lists, round_robin) keeps answering when an inference replica is SIGKILLed', async () => {
    const { a, both } = c();
    // Both inference replicas loaded `moving` in the first scenario; this gateway balances over them.
    for (let i = 0; i < 6; i++) {
      const r = await eventually('the gateway in front of both to serve', async () => {
        const p = await predict(both.address, 'moving@production');
        return p.status === 200 ? p : undefined;
      });
      assert.equal(r.status, 200);
    }
    await a.inference.process.kill('SIGKILL');
    // Once the balancer has seen the dead connection, every call goes to the survivor.
    await eventually(
      'ten calls in a row answered by the surviving replica',
      async () => {
        for (let i = 0; i < 10; i++) if ((await predict(both.address, 'moving@production')).status !== 200) return undefined;
        return true;
      },
      15_000,
    );
  });
});
