import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createSilentLogger, createSqliteKeyStore, issueApiKey } from '@l1g1/kit';
import { loadGatewayConfig, startGateway, type RunningGateway } from '@l1g1/gateway';
import { startTestIngestion, TEST_INTERNAL_SECRET, type TestIngestion } from '../../services/ingestion/test/support/start-ingestion';
import { startTestTrainer, type TestTrainer } from '../../services/trainer/test/support/start-trainer';
import { http } from '../../test/support/stack';
import { readEvents } from './support/sse-events';

const CLI = resolve(__dirname, '../../packages/cli/dist/main.js');

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** A small two-class text set: enough for a few optimizer steps per epoch at batch size 4. */
function labelledRows(n: number): string {
  const rows: string[] = [];
  for (let i = 0; i < n; i++) rows.push(JSON.stringify(i % 2 === 0 ? { text: `win money now offer ${i}`, label: 'spam' } : { text: `meeting notes for project ${i}`, label: 'ham' }));
  return `${rows.join('\n')}\n`;
}

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

describe('gateway: training jobs through REST and SSE against a real trainer', function () {
  this.timeout(180_000);
  let ingestion: TestIngestion;
  let trainerSvc: TestTrainer;
  let gw: RunningGateway;
  let admin: Record<string, string>;
  let reader: Record<string, string>;
  let adminKey: string;
  /** False while the trainer answers CreateTrainingJob with UNIMPLEMENTED (its job runtime not merged yet). */
  let createServed = false;

  const spec = (config: Record<string, unknown> = {}, dataset = 'mail') => ({
    architecture: { text_classifier: { vocab_size: 1024, hidden_units: [8] } },
    data: { dataset: { name: dataset } },
    config: { epochs: 1, batch_size: 4, checkpoint_every_steps: 2, seed: 1, optimizer: { kind: 'adamw', learning_rate: 0.01 }, schedule: { warmup_steps: 0 }, ...config },
  });
  const create = (body: unknown) => http(`${gw.url}/v1/training/jobs`, { method: 'POST', headers: admin, json: body });
  const needsCreate = (ctx: Mocha.Context): void => {
    if (!createServed) ctx.skip();
  };
  /** Polls GET until `until` holds (bounded: at most `limit` tries, 250 ms apart). */
  async function waitJob(id: string, until: (job: { state: string; training: { step: number } }) => boolean, limit = 400): Promise<{ state: string; training: { step: number } }> {
    let job = (await http(`${gw.url}/v1/training/jobs/${id}`, { headers: admin })).body;
    for (let i = 0; i < limit && !until(job); i++) {
      await new Promise((r) => setTimeout(r, 250));
      job = (await http(`${gw.url}/v1/training/jobs/${id}`, { headers: admin })).body;
    }
    assert.ok(until(job), `job ${id} never got there: ${JSON.stringify(job).slice(0, 400)}`);
    return job;
  }

  before(async () => {
    ingestion = await startTestIngestion();
    trainerSvc = await startTestTrainer({ ingestionAddress: ingestion.service.address, dataDir: ingestion.dataDir, env: { L1G1_INTERNAL_SECRET: TEST_INTERNAL_SECRET } });
    const keys = createSqliteKeyStore(join(ingestion.dataDir, 'auth', 'keys.db'));
    reader = { authorization: `Bearer ${(await issueApiKey(keys, { name: 'reader', scopes: ['read'] })).plaintext}` };
    keys.close();
    adminKey = ingestion.adminKey;
    admin = { authorization: `Bearer ${adminKey}` };
    gw = await startGateway(
      loadGatewayConfig({
        L1G1_DATA_DIR: ingestion.dataDir,
        L1G1_INTERNAL_SECRET: TEST_INTERNAL_SECRET,
        L1G1_GATEWAY_PORT: '0',
        L1G1_INGESTION_ADDR: ingestion.service.address,
        L1G1_TRAINER_ADDR: trainerSvc.service.address,
        L1G1_SSE_HEARTBEAT_MS: '50',
      }),
      { logger: createSilentLogger() },
    );
    for (const [name, body] of [
      ['mail', labelledRows(40)],
      ['unlabelled', '{"text":"just text"}\n{"text":"more text"}\n{"text":"and more"}\n'],
    ] as const) {
      const up = await http(`${gw.url}/v1/datasets/${name}/uploads?filename=rows.jsonl&format=jsonl&data_field=text`, { method: 'POST', headers: { ...admin, 'content-type': 'application/octet-stream' }, body });
      assert.ok(up.status === 201 || up.status === 200, JSON.stringify(up.body));
    }
    const probe = await create({ spec: spec() });
    createServed = probe.status !== 501;
  });

  after(async () => {
    await gw?.stop();
    await trainerSvc?.close();
    await ingestion?.close();
  });

  it('creates a job (202 + Location, the resolved spec pinned to a snapshot), gets it and lists it; a read key may read', async function () {
    needsCreate(this);
    const res = await create({ spec: spec(), tags: { run: 'rest' } });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const id = res.body.job_id as string;
    assert.match(id, /^[A-Za-z0-9_-]+$/);
    assert.equal(res.headers.get('location'), `/v1/training/jobs/${id}`);
    assert.equal(res.body.kind, 'trainer.train');
    // The dataset was given without a snapshot: the job pins the latest (1) at creation.
    assert.deepEqual(res.body.spec.data.dataset, { name: 'mail', snapshot: 1 });
    assert.equal(res.body.spec.config.batch_size, 4);
    assert.equal(res.body.spec.config.optimizer.kind, 'adamw');
    assert.deepEqual(res.body.tags, { run: 'rest' });
    const one = await http(`${gw.url}/v1/training/jobs/${id}`, { headers: reader });
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.equal(one.body.job_id, id);
    const list = await http(`${gw.url}/v1/training/jobs?dataset=mail`, { headers: reader });
    assert.equal(list.status, 200, JSON.stringify(list.body));
    assert.ok((list.body.jobs as { job_id: string }[]).some((j) => j.job_id === id));
    assert.equal(typeof list.body.next_page_token, 'string');
    const missing = await http(`${gw.url}/v1/training/jobs/no-such-job`, { headers: admin });
    assert.equal(missing.status, 404, JSON.stringify(missing.body));
    await waitJob(id, (j) => TERMINAL.has(j.state));
  });

  it('SSE: a watcher that drops after a few events and reconnects with Last-Event-ID sees every event once, in order', async function () {
    needsCreate(this);
    const res = await create({ spec: spec({ epochs: 2 }) });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const url = `${gw.url}/v1/training/jobs/${res.body.job_id as string}/events`;
    const first = await readEvents(url, admin, { max: 3 });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.events.length, 3);
    const lastId = first.events[first.events.length - 1]!.id!;
    const rest = await readEvents(url, { ...admin, 'last-event-id': lastId });
    const seen = [...first.events, ...rest.events];
    // The stream ended by itself after the terminal status.
    const end = seen[seen.length - 1]!;
    assert.equal(end.event, 'status');
    assert.equal(JSON.parse(end.data).status.state, 'succeeded');
    // Everything the trainer stored, replayed from the start, is exactly what the two connections saw together.
    const all = await readEvents(url, admin);
    assert.deepEqual(seen.map((e) => [e.id, e.event, e.data]), all.events.map((e) => [e.id, e.event, e.data]));
    const ids = seen.map((e) => Number(e.id));
    assert.ok(ids.every((n, i) => i === 0 || n > ids[i - 1]!), `ids not increasing: ${ids.join(',')}`);
    const step = seen.find((e) => e.event === 'step');
    assert.ok(step, 'no step event');
    const figures = JSON.parse(step.data);
    for (const k of ['step', 'epoch', 'loss', 'learning_rate', 'samples_per_second']) assert.equal(typeof figures[k], 'number', k);
    // after_sequence (for clients without headers) replays from the same place.
    const viaQuery = await readEvents(`${url}?after_sequence=${lastId}`, admin);
    assert.deepEqual(viaQuery.events.map((e) => e.id), rest.events.map((e) => e.id));
  });

  it('lists a job\'s checkpoints (id, step, sha256, size; no storage paths)', async function () {
    needsCreate(this);
    const res = await create({ spec: spec() });
    const id = res.body.job_id as string;
    await waitJob(id, (j) => TERMINAL.has(j.state));
    const cps = await http(`${gw.url}/v1/training/jobs/${id}/checkpoints`, { headers: reader });
    assert.equal(cps.status, 200, JSON.stringify(cps.body));
    assert.ok(cps.body.checkpoints.length >= 1);
    const c = cps.body.checkpoints[0];
    assert.equal(c.job_id, id);
    assert.match(c.sha256, /^[0-9a-f]{64}$/);
    assert.ok(c.size_bytes > 0);
    assert.doesNotMatch(JSON.stringify(cps.body), /file:\/\/|\/tmp\//);
  });

  it('cancels a running job and resumes it', async function () {
    needsCreate(this);
    const res = await create({ spec: spec({ epochs: 1000 }) });
    const id = res.body.job_id as string;
    await waitJob(id, (j) => j.state === 'running' && j.training.step > 0);
    const cancel = await http(`${gw.url}/v1/training/jobs/${id}:cancel`, { method: 'POST', headers: admin, json: {} });
    assert.equal(cancel.status, 200, JSON.stringify(cancel.body));
    assert.equal(cancel.body.job_id, id);
    await waitJob(id, (j) => j.state === 'cancelled');
    const resume = await http(`${gw.url}/v1/training/jobs/${id}:resume`, { method: 'POST', headers: admin, json: {} });
    assert.equal(resume.status, 200, JSON.stringify(resume.body));
    assert.ok(['queued', 'running'].includes(resume.body.state), resume.body.state);
    const running = await waitJob(id, (j) => j.state === 'running');
    assert.ok(running.training.step > 0);
    // Leave nothing training behind.
    await http(`${gw.url}/v1/training/jobs/${id}:cancel`, { method: 'POST', headers: admin });
    await waitJob(id, (j) => TERMINAL.has(j.state));
  });

  it('a spec only the trainer can judge (a snapshot without labels) is a 400 naming the field, never a 5xx', async function () {
    needsCreate(this);
    const res = await create({ spec: spec({}, 'unlabelled') });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.match(res.body.error.field, /label/);
    const unknownDataset = await create({ spec: spec({}, 'no-such-dataset') });
    assert.ok(unknownDataset.status === 400 || unknownDataset.status === 404, JSON.stringify(unknownDataset.body));
    assert.equal((await http(`${gw.url}/readyz`)).body.breakers.trainer, 'closed');
  });

  it('the CLI: `l1g1 train ... --watch --json` prints the job, its events and its end as JSON lines; the bar shows step, loss, lr, samples/s', async function () {
    needsCreate(this);
    const env = { L1G1_GATEWAY_URL: gw.url, L1G1_API_KEY: adminKey };
    const args = ['train', '--dataset', 'mail@1', '--arch', 'text_classifier', '--epochs', '1', '--batch-size', '4', '--optimizer', 'adamw', '--lr', '0.01', '--checkpoint-every', '2', '--watch'];
    const json = await runCli([...args, '--json'], env);
    assert.equal(json.code, 0, json.stderr);
    const lines = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; id: number | null; data: Record<string, unknown> });
    assert.equal(lines[0]!.event, 'created');
    const last = lines[lines.length - 1]!;
    assert.equal(last.event, 'job');
    assert.equal(last.data['state'], 'succeeded');
    const ids = lines.filter((l) => l.id !== null).map((l) => l.id!);
    assert.ok(ids.length > 0 && ids.every((n, i) => i === 0 || n > ids[i - 1]!), `ids: ${ids.join(',')}`);
    assert.ok(lines.some((l) => l.event === 'step' && typeof l.data['loss'] === 'number'));

    const bar = await runCli(args, env);
    assert.equal(bar.code, 0, bar.stderr);
    assert.match(bar.stderr, /step \d+\/\d+ epoch \d+ loss \d+\.\d{4} lr \d\.\d{2}e[-+]\d+ \d+ samples\/s/);
    assert.match(bar.stdout, /succeeded/);

    const jobs = await runCli(['jobs'], env);
    assert.equal(jobs.code, 0, jobs.stderr);
    assert.match(jobs.stdout, /succeeded/);
  });
});
