/**
 * `node loadtest/dist/bench-train-recovery.js [--checkpoint-every 25] [--kill-at-step 60]
 *   [--lease-ms 2000] [--timeout-s 120]`:
 * the time from a SIGKILLed trainer to its job training again, and the steps lost. A real
 * ingestion service (in this process, temporary data directory) holds a labelled snapshot; a
 * real trainer runs as a child process (`services/trainer/dist/main.js`) on 127.0.0.1; a job
 * with a checkpoint every N steps is watched over WatchJob; once it passes --kill-at-step the
 * child is SIGKILLed and started again at once; the same job is watched again.
 *
 * Reported (`{"bench":"train-recovery",...}`): `reclaimed_s` (kill → the job's new attempt is
 * RUNNING: process start + lease expiry), `recovery_s` (kill → the new attempt's first step
 * event: + data reload from ingestion + worker start + checkpoint restore),
 * `steps_lost` (last step reported before the kill − the step of the checkpoint the job resumed
 * from; step events are throttled, so this is a lower bound by at most a few steps) and the
 * checkpoint interval it should stay within. Bounded by --timeout-s whatever happens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { common, trainer } from '@l1g1/contracts';
import { createGrpcClient, createSilentLogger, createSqliteKeyStore, issueApiKey, unary } from '@l1g1/kit';
import { loadIngestionConfig, startIngestion, type StoredRecord } from '@l1g1/ingestion';

const { values: args } = parseArgs({
  options: {
    'checkpoint-every': { type: 'string', default: '25' },
    'kill-at-step': { type: 'string', default: '60' },
    'lease-ms': { type: 'string', default: '2000' },
    'timeout-s': { type: 'string', default: '120' },
  },
});
const checkpointEvery = Number(args['checkpoint-every']);
const killAtStep = Number(args['kill-at-step']);
const leaseMs = Number(args['lease-ms']);
const timeoutMs = Number(args['timeout-s']) * 1000;
const SECRET = `bench-train-recovery-${process.pid}`;

/** A fixed spread of separable points (label "pos" when the feature sum is positive). */
function records(count: number, dim: number): StoredRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const x = Array.from({ length: dim }, (_, d) => Math.round(Math.sin(i * 12.9898 + d * 78.233) * 2e4) / 1e4);
    const text = JSON.stringify(x);
    return {
      id: createHash('sha256').update(text).update(String(i)).digest('hex'),
      modality: 'table_row',
      contentType: 'application/json',
      data: Buffer.from(text),
      metadata: { label: x.reduce((a, b) => a + b, 0) > 0 ? 'pos' : 'neg', split: 'train' },
    } as StoredRecord;
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function startTrainerProcess(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [join(__dirname, '..', '..', 'services', 'trainer', 'dist', 'main.js')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

interface Seen {
  lastStep: number;
  lastCheckpointStep: number;
  lastSequence: number;
  firstStepAt?: number;
  firstStep?: number;
}

/** Watches the job from `afterSequence`; `onEvent` returns true to stop watching. */
async function watch(client: trainer.TrainerServiceClient, jobId: string, afterSequence: number, deadline: number, onEvent: (e: trainer.TrainingEvent) => boolean): Promise<void> {
  const call = client.watchJob(trainer.WatchJobRequest.fromPartial({ jobId, afterSequence }), { deadline });
  try {
    for await (const e of call as AsyncIterable<trainer.TrainingEvent>) {
      if (onEvent(e)) break;
    }
  } finally {
    call.cancel();
  }
}

async function main(): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const dataDir = mkdtempSync(join(tmpdir(), 'l1g1-bench-recovery-'));
  const ing = await startIngestion(
    loadIngestionConfig({ L1G1_DATA_DIR: dataDir, L1G1_INGESTION_ADDR: '127.0.0.1:0', L1G1_INTERNAL_SECRET: SECRET }),
    { logger: createSilentLogger() },
  );
  let child: ChildProcess | undefined;
  try {
    await ing.deps.publisher.publish(
      { dataset: 'points', origin: 'upload', jobId: '', parents: [], description: '', tags: {}, createdBy: 'bench', counts: {}, cleaning: {}, cleaningReport: [], uploadReport: [], sources: [] },
      (async function* () {
        yield* records(2000, 4);
      })(),
    );
    const port = await freePort();
    const env = {
      L1G1_DATA_DIR: dataDir,
      L1G1_TRAINER_ADDR: `127.0.0.1:${port}`,
      L1G1_INGESTION_ADDR: ing.address,
      L1G1_REGISTRY_ADDR: '127.0.0.1:9', // nothing registers: the bench stops before the end
      L1G1_INTERNAL_SECRET: SECRET,
      L1G1_TRAINER_LEASE_MS: String(leaseMs),
    };
    const keys = createSqliteKeyStore(join(dataDir, 'auth', 'keys.db'));
    const apiKey = (await issueApiKey(keys, { name: 'bench', scopes: ['admin'] })).plaintext;
    keys.close();
    child = startTrainerProcess(env);
    const client = createGrpcClient(trainer.TrainerServiceClient, `127.0.0.1:${port}`, { identity: { apiKey } });
    const spec = trainer.TrainingSpec.fromPartial({
      architecture: { architecture: { $case: 'mlp', value: { inputDim: 4, hiddenUnits: [16], activation: 0, dropout: 0 } } },
      data: { dataset: { name: 'points', snapshot: 0 } },
      config: { epochs: 20, batchSize: 8, checkpointEverySteps: checkpointEvery },
    });
    // the trainer process may still be starting: retry creation until it answers
    let jobId = '';
    for (;;) {
      try {
        jobId = (await unary(client.createTrainingJob.bind(client), { spec, idempotencyKey: 'bench-recovery', tags: {} })).status?.jobId ?? '';
        break;
      } catch (err: unknown) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    const seen: Seen = { lastStep: 0, lastCheckpointStep: 0, lastSequence: 0 };
    await watch(client, jobId, 0, deadline, (e) => {
      seen.lastSequence = Number(e.sequence);
      if (e.event?.$case === 'checkpointSaved') seen.lastCheckpointStep = Number(e.event.value.step);
      if (e.event?.$case === 'step') seen.lastStep = Math.max(seen.lastStep, Number(e.event.value.progress?.step ?? 0));
      const ended = e.event?.$case === 'status' && [common.JobState.JOB_STATE_SUCCEEDED, common.JobState.JOB_STATE_FAILED].includes(e.event.value.state);
      return seen.lastStep >= killAtStep || ended;
    });
    const killedAt = performance.now();
    child.kill('SIGKILL');
    await new Promise((r) => child?.once('exit', r));
    const stepBeforeKill = seen.lastStep;
    const checkpointBeforeKill = seen.lastCheckpointStep;
    child = startTrainerProcess(env);
    // the restarted trainer: skip what the killed one wrote after the first watch stopped, wait
    // for the new attempt's RUNNING status, then take its first step event
    const after: Seen = { lastStep: 0, lastCheckpointStep: 0, lastSequence: seen.lastSequence };
    let claimedAt: number | undefined;
    for (;;) {
      try {
        await watch(client, jobId, after.lastSequence, deadline, (e) => {
          after.lastSequence = Number(e.sequence);
          if (e.event?.$case === 'status' && e.event.value.state === common.JobState.JOB_STATE_RUNNING && e.event.value.attempts >= 2) {
            claimedAt ??= performance.now();
          }
          if (claimedAt === undefined || e.event?.$case !== 'step') return false;
          after.firstStepAt = performance.now();
          after.firstStep = Number(e.event.value.progress?.step ?? 0);
          return true;
        });
        if (after.firstStepAt !== undefined) break;
      } catch (err: unknown) {
        if (Date.now() > deadline) throw err; // not listening yet: try again
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    process.stdout.write(
      `${JSON.stringify({
        bench: 'train-recovery',
        checkpoint_every: checkpointEvery,
        lease_ms: leaseMs,
        step_before_kill: stepBeforeKill,
        checkpoint_before_kill: checkpointBeforeKill,
        first_step_after_restart: after.firstStep,
        steps_lost: stepBeforeKill - checkpointBeforeKill,
        reclaimed_s: Math.round(((claimedAt ?? killedAt) - killedAt) / 10) / 100,
        recovery_s: Math.round(((after.firstStepAt ?? killedAt) - killedAt) / 10) / 100,
        date: new Date().toISOString(),
      })}\n`,
    );
    client.close();
  } finally {
    child?.kill('SIGKILL');
    await ing.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
