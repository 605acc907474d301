/**
 * What an upload must never leave behind: a cut stream, a zip bomb, or a
 * cancelled job publish nothing; a large upload does not stop the service
 * from answering (the parse runs in a worker thread).
 */
import { strict as assert } from 'node:assert';
import { readdirSync } from 'node:fs';
import { status } from '@grpc/grpc-js';
import { health, ingestion } from '@l1g1/contracts';
import { createGrpcClient, type Job } from '@l1g1/kit';
import { makeZip } from './archive-fixtures';
import { ingest, ingestHeader } from './support/ingest-client';
import { startTestIngestion, type TestIngestion } from './support/start-ingestion';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 50 ms until it answers a value (at most `maxTries` times). */
async function eventually<T>(check: () => Promise<T | undefined>, maxTries = 1200): Promise<T> {
  for (let i = 0; i < maxTries; i++) {
    const v = await check();
    if (v !== undefined) return v;
    await sleep(50);
  }
  throw new Error('condition never held');
}

function bigJsonl(lines: number): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) out.push(JSON.stringify({ text: `record ${i} ${'lorem ipsum dolor sit amet '.repeat(6)} ${i * 7919}` }));
  return out.join('\n');
}

describe('ingestion service: upload safety', () => {
  let svc: TestIngestion;
  before(async () => {
    svc = await startTestIngestion();
  });
  after(async () => {
    await svc.close();
  });

  it('a cut upload (client cancels mid-file) leaves no snapshot, no dataset row and no spool', async function () {
    this.timeout(120_000);
    const call = svc.client.ingest(() => undefined);
    call.on('error', () => undefined);
    call.write({ payload: { $case: 'header', value: ingestHeader({ dataset: 'cut' }) } });
    call.write({ payload: { $case: 'file', value: ingestion.FileStart.fromPartial({ name: 'half.jsonl' }) } });
    call.write({ payload: { $case: 'chunk', value: Buffer.from('{"text":"first"}\n{"text":"sec') } });
    // The server has the header and a chunk: a spool folder exists.
    await eventually(async () => (readdirSync(svc.config.spoolDir).length > 0 ? true : undefined));
    call.cancel();
    await eventually(async () => (readdirSync(svc.config.spoolDir).length === 0 ? true : undefined));
    assert.equal(await svc.deps.store.getDataset('cut'), undefined);
    assert.deepEqual((await svc.deps.jobs.list({})).filter((j) => j.kind === 'ingestion.ingest'), []);
  });

  it('a call cancelled after its stream ended, while its ingest job runs, cancels the job and leaves no snapshot', async function () {
    this.timeout(180_000);
    const body = bigJsonl(30_000);
    const call = svc.client.ingest(() => undefined);
    call.on('error', () => undefined);
    call.write({
      payload: {
        $case: 'header',
        value: ingestHeader({ dataset: 'cut-late', cleaning: ingestion.CleaningOptions.fromPartial({ dedupe: ingestion.DedupeMode.DEDUPE_MODE_NEAR }) }),
      },
    });
    call.write({ payload: { $case: 'file', value: ingestion.FileStart.fromPartial({ name: 'big.jsonl' }) } });
    for (let i = 0; i < body.length; i += 64 * 1024) call.write({ payload: { $case: 'chunk', value: Buffer.from(body.slice(i, i + 64 * 1024)) } });
    call.end();
    // The whole stream arrived and became a job: the cut comes in the job phase.
    const running = await eventually<Job>(async () => (await svc.deps.jobs.list({ kind: 'ingestion.ingest', states: ['running'] }))[0]);
    call.cancel();
    const ended = await eventually<Job>(async () => {
      const j = await svc.deps.jobs.get(running.id);
      return j && ['succeeded', 'failed', 'cancelled'].includes(j.state) ? j : undefined;
    });
    assert.equal(ended.state, 'cancelled');
    assert.equal(await svc.deps.store.getDataset('cut-late'), undefined);
    await eventually(async () => (readdirSync(svc.config.spoolDir).length === 0 ? true : undefined));
  });

  it('refuses a zip bomb with a clear error naming the archive and the limit, keeping nothing', async function () {
    this.timeout(120_000);
    const zeros = Buffer.alloc(16 * 1024 * 1024);
    const bomb = await makeZip([{ name: 'readme.txt', data: 'harmless\n' }, { name: 'zeros.bin', data: zeros }]);
    const out = await ingest(svc.client, ingestHeader({ dataset: 'bomb' }), [
      { name: 'ok.txt', bytes: 'a fine file' },
      { name: 'bomb.zip', bytes: bomb },
    ]);
    assert.ok(!out.ok);
    assert.equal(out.error.code, status.INVALID_ARGUMENT);
    assert.match(out.error.details, /bomb\.zip/);
    assert.match(out.error.details, /max_compression_ratio/);
    assert.equal(await svc.deps.store.getDataset('bomb'), undefined);
  });

  it('keeps answering health checks while a large upload is parsed, and a cancelled ingest job publishes nothing', async function () {
    this.timeout(120_000);
    const body = bigJsonl(60_000);
    const outcome = ingest(
      svc.client,
      ingestHeader({ dataset: 'big', cleaning: ingestion.CleaningOptions.fromPartial({ dedupe: ingestion.DedupeMode.DEDUPE_MODE_NEAR }) }),
      [{ name: 'big.jsonl', bytes: body }],
    );
    const running = await eventually<Job>(async () => (await svc.deps.jobs.list({ kind: 'ingestion.ingest', states: ['running'] }))[0]);

    const hc = createGrpcClient(health.HealthClient, svc.service.address);
    try {
      const answer = await new Promise<health.HealthCheckResponse>((resolve, reject) =>
        hc.check({ service: '' }, (err, res) => (err ? reject(err) : resolve(res))),
      );
      assert.equal(answer.status, health.HealthCheckResponse_ServingStatus.SERVING);
    } finally {
      hc.close();
    }
    const jobNow = await svc.deps.jobs.get(running.id);
    assert.equal(jobNow?.state, 'running', 'the health check was answered while the upload was still being processed');

    const cancelled = await new Promise<ingestion.IngestionJob>((resolve, reject) =>
      svc.client.cancelJob({ jobId: running.id }, (err, res) => (err ? reject(err) : resolve(res))),
    );
    assert.equal(cancelled.status?.cancelRequested, true);
    const out = await outcome;
    assert.ok(!out.ok);
    assert.equal(out.error.code, status.CANCELLED);
    assert.equal((await svc.deps.jobs.get(running.id))?.state, 'cancelled');
    assert.equal(await svc.deps.store.getDataset('big'), undefined);
  });
});
