/**
 * The acceptance test of exact resume with a real process kill: a trainer
 * child process is SIGKILLed mid-job, after a checkpoint; a new trainer
 * process on the same data directory reclaims the job when its lease
 * expires, continues from the last checkpoint, and ends with weights equal
 * (sha256) to an uninterrupted run's with the same seed.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Metadata } from '@grpc/grpc-js';
import { common, trainer } from '@l1g1/contracts';
import { createGrpcClient, unary } from '@l1g1/kit';
import { startTestIngestion, type TestIngestion } from '../../ingestion/test/support/start-ingestion';
import { createProcessGroup, parseLogLine, waitForGrpcHealth, type ChildHandle, type ProcessGroup } from '../../../test/support/processes';
import { adminClientOptions } from '../../../test/support/stack';
import { startTestTrainer } from './support/start-trainer';
import { mlpSpec, publishRecords, separableRecords } from './support/training-data';
import { collectEvents } from './support/watch';

const SECRET = 'trainer-sigkill-internal-secret';
const CHECKPOINT_EVERY = 20;
/** Waits are bounded: the test fails instead of hanging. */
const JOB_TIMEOUT_MS = 150_000;

function spec(): trainer.TrainingSpec {
  const s = mlpSpec('points', {
    config: {
      epochs: 4,
      batchSize: 4,
      seed: 7,
      checkpointEverySteps: CHECKPOINT_EVERY,
      optimizer: trainer.OptimizerConfig.fromPartial({ learningRate: 0.01 }),
    },
  });
  const arch = s.architecture?.architecture;
  if (arch?.$case === 'mlp') arch.value = { ...arch.value, inputDim: 16, hiddenUnits: [64, 64] };
  return s;
}

const weightsOf = (job: trainer.TrainingJob): string => /weights sha256 ([0-9a-f]{64})/.exec(job.status?.message ?? '')?.[1] ?? '';

async function startTrainerProcess(group: ProcessGroup, name: string, env: Record<string, string>): Promise<{ child: ChildHandle; address: string }> {
  const child = group.spawn(name, { script: join('services', 'trainer', 'dist', 'main.js'), env });
  const address = await child.waitForLine('its "listening" log line', (line) => {
    const log = parseLogLine(line);
    return typeof log?.['msg'] === 'string' && log['msg'].includes('listening') && typeof log['address'] === 'string' ? log['address'] : undefined;
  }, 60_000);
  await waitForGrpcHealth(address, 60_000);
  return { child, address };
}

describe('trainer: SIGKILL mid-job, restart, exact resume (real processes)', function () {
  this.timeout(400_000);
  let ing: TestIngestion;
  let group: ProcessGroup;
  let dataDir: string;

  before(async () => {
    ing = await startTestIngestion({ env: { L1G1_INTERNAL_SECRET: SECRET } });
    await publishRecords(ing, 'points', separableRecords(400, 16, { validationEvery: 10 }));
    group = createProcessGroup();
    dataDir = mkdtempSync(join(tmpdir(), 'l1g1-trainer-kill-'));
  });
  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(`\n${group.report()}\n`);
  });
  after(async () => {
    await group?.stopAll();
    await ing?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('finishes from its last checkpoint with the weights of an uninterrupted run', async () => {
    // The uninterrupted run, in this process (same code, same worker thread, same backend choice).
    const reference = await startTestTrainer({ ingestionAddress: ing.service.address, internalSecret: SECRET });
    let expected: string;
    try {
      const job = await unary(reference.client.createTrainingJob.bind(reference.client), { spec: spec(), idempotencyKey: 'reference', tags: {} });
      await collectEvents(reference.client, { jobId: job.status?.jobId ?? '' }, JOB_TIMEOUT_MS);
      const done = await unary(reference.client.getJob.bind(reference.client), { jobId: job.status?.jobId ?? '' });
      assert.equal(done.status?.state, common.JobState.JOB_STATE_SUCCEEDED, JSON.stringify(done.status?.error));
      expected = weightsOf(done);
      assert.match(expected, /^[0-9a-f]{64}$/);
    } finally {
      await reference.close();
    }

    const env = {
      L1G1_DATA_DIR: dataDir,
      L1G1_TRAINER_ADDR: '127.0.0.1:0',
      L1G1_INGESTION_ADDR: ing.service.address,
      L1G1_REGISTRY_ADDR: '127.0.0.1:9',
      L1G1_INTERNAL_SECRET: SECRET,
      // The dead trainer's lease expires quickly, so the restarted one reclaims the job soon.
      L1G1_TRAINER_LEASE_MS: '2000',
    };
    const options = await adminClientOptions(dataDir);
    const first = await startTrainerProcess(group, 'trainer-1', env);
    const client1 = createGrpcClient(trainer.TrainerServiceClient, first.address, options);
    const created = await unary(client1.createTrainingJob.bind(client1), { spec: spec(), idempotencyKey: 'killed', tags: {} });
    const jobId = created.status?.jobId ?? '';

    // Kill right after the first checkpoint is announced (its row and resume pointer are written first).
    const killedAfter = await new Promise<number>((resolve, reject) => {
      const call = client1.watchJob({ jobId, afterSequence: 0 }, new Metadata(), { deadline: Date.now() + JOB_TIMEOUT_MS });
      call.on('data', (e: trainer.TrainingEvent) => {
        if (e.event?.$case === 'checkpointSaved') {
          call.cancel();
          resolve(e.event.value.step);
        }
      });
      call.on('error', (err: Error & { code?: number }) => {
        if (err.code !== 1) reject(err);
      });
      call.on('end', () => reject(new Error('the job ended before any checkpoint')));
    });
    await first.child.kill('SIGKILL');
    client1.close();
    assert.equal(killedAfter, CHECKPOINT_EVERY);

    const second = await startTrainerProcess(group, 'trainer-2', env);
    const client2 = createGrpcClient(trainer.TrainerServiceClient, second.address, options);
    try {
      let job = await unary(client2.getJob.bind(client2), { jobId });
      assert.notEqual(job.status?.state, common.JobState.JOB_STATE_SUCCEEDED, 'the job was killed before it finished');
      const deadline = Date.now() + JOB_TIMEOUT_MS;
      while (job.status?.state !== common.JobState.JOB_STATE_SUCCEEDED && job.status?.state !== common.JobState.JOB_STATE_FAILED && Date.now() < deadline) {
        await sleep(500);
        job = await unary(client2.getJob.bind(client2), { jobId });
      }
      assert.equal(job.status?.state, common.JobState.JOB_STATE_SUCCEEDED, JSON.stringify(job.status?.error));
      assert.equal(job.attempt, 2, 'one more attempt after the crash');
      const events = await collectEvents(client2, { jobId });
      const resumed = events.find((e) => e.event?.$case === 'status' && e.event.value.state === common.JobState.JOB_STATE_RUNNING && e.event.value.attempts === 2);
      assert.ok(resumed, 'the second attempt started');
      const checkpoints = events.flatMap((e) => (e.event?.$case === 'checkpointSaved' ? [e.event.value] : []));
      assert.equal(checkpoints[0]?.step, CHECKPOINT_EVERY);
      assert.equal(job.resumedFromCheckpoint, checkpoints[0]?.id, 'the second attempt started from the checkpoint saved before the kill');
      // Training continued after the checkpoint instead of starting over: no step of attempt 2 is at or before it.
      const secondAttempt = events.slice(events.indexOf(resumed));
      const steps = secondAttempt.flatMap((e) => (e.event?.$case === 'step' && e.event.value.progress ? [e.event.value.progress.step] : []));
      assert.ok(steps.length > 0 && steps.every((s) => s > CHECKPOINT_EVERY), `steps of attempt 2: ${steps.slice(0, 5).join(', ')} ...`);
      // The watcher sees each step once: the steps attempt 2 re-ran after the checkpoint are not announced twice.
      const allSteps = events.flatMap((e) => (e.event?.$case === 'step' && e.event.value.progress ? [e.event.value.progress.step] : []));
      assert.ok(allSteps.every((s, i) => i === 0 || s > allSteps[i - 1]!), `step events in order, none twice: ${allSteps.join(', ')}`);
      assert.equal(weightsOf(job), expected, 'final weights equal the uninterrupted run');
    } finally {
      client2.close();
    }
  });
});
