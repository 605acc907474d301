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

/** A small two-class set of 4-feature rows (record data: a JSON array): a few optimizer steps per epoch at batch size 4. */
function labelledRows(n: number): string {
  const rows: string[] = [];
  for (let i = 0; i < n; i++) {
    const x = Array.from({ length: 4 }, (_, d) => Math.round(Math.sin(i * 12.9898 + d * 78.233) * 2e4) / 1e4);
    rows.push(JSON.stringify({ features: JSON.stringify(x), label: x.reduce((a, b) => a + b, 0) > 0 ? 'pos' : 'neg' }));
  }
  return `${rows.join('\n')}\n`;
}

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);
/** A well-formed job id no job has. */
const UNKNOWN_JOB = '00000000-0000-4000-8000-000000000000';

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
  /** False while created jobs stay queued (the trainer's job runner not merged yet). */
  let trainingServed = false;

  const spec = (config: Record<string, unknown> = {}, dataset = 'mail') => ({
    architecture: { mlp: { input_dim: 4, hidden_units: [8] } },
    data: { dataset: { name: dataset } },
    config: { epochs: 1, batch_size: 4, checkpoint_every_steps: 2, seed: 1, optimizer: { kind: 'adamw', learning_rate: 0.01 }, schedule: { warmup_steps: 0 }, ...config },
  });
  const create = (body: unknown) => http(`${gw.url}/v1/training/jobs`, { method: 'POST', headers: admin, json: body });
  const needsCreate = (ctx: Mocha.Context): void => {
    if (!createServed) ctx.skip();
  };
  const needsTraining = (ctx: Mocha.Context): void => {
    if (!trainingServed) ctx.skip();
  };
  const cancel = (id: string) => http(`${gw.url}/v1/training/jobs/${id}:cancel`, { method: 'POST', headers: admin, json: {} });
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
    trainerSvc = await startTestTrainer({ ingestionAddress: ingestion.service.address, dataDir: ingestion.dataDir, internalSecret: TEST_INTERNAL_SECRET });
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
      ['unlabelled', '{"features":"[1,2,3,4]"}\n{"features":"[0,1,0,1]"}\n{"features":"[4,3,2,1]"}\n'],
    ] as const) {
      const up = await http(`${gw.url}/v1/datasets/${name}/uploads?filename=rows.jsonl&format=jsonl&data_field=features`, { method: 'POST', headers: { ...admin, 'content-type': 'application/octet-stream' }, body });
      assert.ok(up.status === 201 || up.status === 200, JSON.stringify(up.body));
    }
    const probe = await create({ spec: spec() });
    createServed = probe.status !== 501;
    if (createServed) {
      assert.equal(probe.status, 202, JSON.stringify(probe.body));
      // Jobs run once the trainer has its job runner; until then they stay queued (bounded wait: 20 s).
      const id = probe.body.job_id as string;
      for (let i = 0; i < 80 && !trainingServed; i++) {
        const job = (await http(`${gw.url}/v1/training/jobs/${id}`, { headers: admin })).body;
        trainingServed = job.state !== 'queued';
        if (!trainingServed) await new Promise((r) => setTimeout(r, 250));
      }
      await http(`${gw.url}/v1/training/jobs/${id}:cancel`, { method: 'POST', headers: admin });
    }
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
    const missing = await http(`${gw.url}/v1/training/jobs/${UNKNOWN_JOB}`, { headers: admin });
    assert.equal(missing.status, 404, JSON.stringify(missing.body));
    await cancel(id);
    await waitJob(id, (j) => TERMINAL.has(j.state));
  });

  it('SSE: a watcher that drops and reconnects with Last-Event-ID sees every event once, in order, and the stream ends with the job', async function () {
    needsCreate(this);
    const res = await create({ spec: spec() });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const id = res.body.job_id as string;
    const url = `${gw.url}/v1/training/jobs/${id}/events`;
    // The first connection takes one event (the job's first status) and drops.
    const first = await readEvents(url, admin, { max: 1 });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.events.length, 1);
    const lastId = first.events[0]!.id!;
    assert.match(lastId, /^\d+$/);
    // While nobody watches, the job ends (cancelled; or it may already have run).
    await cancel(id);
    await waitJob(id, (j) => TERMINAL.has(j.state));
    const rest = await readEvents(url, { ...admin, 'last-event-id': lastId });
    assert.equal(rest.status, 200);
    const seen = [...first.events, ...rest.events];
    // The stream ended by itself after the terminal status.
    const end = seen[seen.length - 1]!;
    assert.equal(end.event, 'status');
    assert.ok(TERMINAL.has(JSON.parse(end.data).status.state), end.data);
    // Everything stored, replayed from the start, is exactly what the two connections saw together
    // (by sequence, kind and state: the trainer's replay fills a status's timestamps from the job as it is now).
    const all = await readEvents(url, admin);
    const key = (e: { id: string | undefined; event: string; data: string }) => [e.id, e.event, (JSON.parse(e.data) as { status?: { state: string } }).status?.state ?? null];
    assert.deepEqual(seen.map(key), all.events.map(key));
    const ids = seen.map((e) => Number(e.id));
    assert.ok(ids.length >= 2 && ids.every((n, i) => i === 0 || n > ids[i - 1]!), `ids: ${ids.join(',')}`);
    // Each event names its job and sequence in snake_case.
    const data = JSON.parse(end.data);
    assert.equal(data.job_id, id);
    assert.equal(String(data.sequence), end.id);
    // after_sequence (for clients without headers) replays from the same place.
    const viaQuery = await readEvents(`${url}?after_sequence=${lastId}`, admin);
    assert.deepEqual(viaQuery.events.map((e) => e.id), rest.events.map((e) => e.id));
    // An unknown job is a 404 before any stream opens.
    assert.equal((await readEvents(`${gw.url}/v1/training/jobs/${UNKNOWN_JOB}/events`, admin)).status, 404);
  });

  it('cancels a job; resuming a job that is not stopped, or that saved no checkpoint, is a 400 (FAILED_PRECONDITION)', async function () {
    needsCreate(this);
    const res = await create({ spec: spec({ epochs: 1000 }) });
    const id = res.body.job_id as string;
    const early = await http(`${gw.url}/v1/training/jobs/${id}:resume`, { method: 'POST', headers: admin, json: {} });
    assert.equal(early.status, 400, JSON.stringify(early.body));
    assert.equal(early.body.error.code, 'FAILED_PRECONDITION');
    assert.equal(early.body.error.field, 'job_id');
    const cancelled = await cancel(id);
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal(cancelled.body.job_id, id);
    await waitJob(id, (j) => j.state === 'cancelled');
    if (trainingServed) return;
    // Never started: nothing to resume from.
    const resume = await http(`${gw.url}/v1/training/jobs/${id}:resume`, { method: 'POST', headers: admin, json: {} });
    assert.equal(resume.status, 400, JSON.stringify(resume.body));
  });

  it('once jobs train: a running job cancelled after a checkpoint resumes from it', async function () {
    needsTraining(this);
    const res = await create({ spec: spec({ epochs: 1000, checkpoint_every_steps: 1 }) });
    const id = res.body.job_id as string;
    await waitJob(id, (j) => j.state === 'running' && j.training.step >= 2);
    await cancel(id);
    await waitJob(id, (j) => j.state === 'cancelled');
    const resume = await http(`${gw.url}/v1/training/jobs/${id}:resume`, { method: 'POST', headers: admin, json: {} });
    assert.equal(resume.status, 200, JSON.stringify(resume.body));
    assert.ok(['queued', 'running'].includes(resume.body.state), resume.body.state);
    assert.equal(resume.body.job_id, id, 'the same job resumes');
    assert.notEqual(resume.body.resumed_from_checkpoint, '');
    await cancel(id);
    await waitJob(id, (j) => TERMINAL.has(j.state));
  });

  it('a spec only the trainer can judge (a snapshot without labels, an unknown dataset) is a 4xx naming the field, never a 5xx', async function () {
    needsCreate(this);
    const res = await create({ spec: spec({}, 'unlabelled') });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.error.field, 'spec.data.label_field');
    const unknownDataset = await create({ spec: spec({}, 'no-such-dataset') });
    assert.equal(unknownDataset.status, 404, JSON.stringify(unknownDataset.body));
    // batch_size absent: the contract's default (32) is filled in at the edge, not refused as 0.
    const defaults = await create({ spec: { architecture: { mlp: { input_dim: 4 } }, data: { dataset: { name: 'mail' } }, config: { epochs: 1 } } });
    assert.equal(defaults.status, 202, JSON.stringify(defaults.body));
    assert.equal(defaults.body.spec.config.batch_size, 32);
    await cancel(defaults.body.job_id as string);
    assert.equal((await http(`${gw.url}/readyz`)).body.breakers.trainer, 'closed');
  });

  it('the CLI: `l1g1 train ... --watch --json` as a child process prints the job and its events as JSON lines until the job ends; `l1g1 jobs` lists it', async function () {
    needsCreate(this);
    const env = { L1G1_GATEWAY_URL: gw.url, L1G1_API_KEY: adminKey };
    const args = ['train', '--dataset', 'mail@1', '--arch', 'mlp', '--arch-options', '{"input_dim":4,"hidden_units":[8]}', '--epochs', '1000', '--batch-size', '4', '--optimizer', 'adamw', '--lr', '0.01', '--watch', '--json'];
    // The job is long: cancel it from outside once the CLI has printed it; the watch must see that and end.
    const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    const exited = new Promise<number>((done) => child.on('close', (code) => done(code ?? -1)));
    const created = await new Promise<{ data: { job_id: string } }>((done, fail) => {
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
        const line = stdout.split('\n')[0];
        if (stdout.includes('\n') && line) done(JSON.parse(line) as { data: { job_id: string } });
      });
      child.on('close', () => fail(new Error(`the CLI ended before printing the job: ${stderr}`)));
    });
    const id = created.data.job_id;
    await cancel(id);
    const code = await exited;
    clearTimeout(killer);
    // A job that did not succeed is exit code 1.
    assert.equal(code, 1, stderr);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; id: number | null; data: Record<string, unknown> });
    assert.equal(lines[0]!.event, 'created');
    const last = lines[lines.length - 1]!;
    assert.equal(last.event, 'job');
    assert.equal(last.data['state'], 'cancelled');
    assert.equal(last.data['job_id'], id);
    const ids = lines.filter((l) => l.id !== null).map((l) => l.id!);
    assert.ok(ids.length >= 2 && ids.every((n, i) => i === 0 || n > ids[i - 1]!), `ids: ${ids.join(',')}`);
    const statuses = lines.filter((l) => l.event === 'status').map((l) => (l.data['status'] as { state: string }).state);
    assert.equal(statuses[statuses.length - 1], 'cancelled');

    const jobs = await runCli(['jobs'], env);
    assert.equal(jobs.code, 0, jobs.stderr);
    assert.match(jobs.stdout, new RegExp(`${id}\\s+cancelled`));
    const one = await runCli(['jobs', id, '--json'], env);
    assert.equal(JSON.parse(one.stdout).job_id, id);
  });

  it('once jobs train: step events carry step, loss, learning rate and samples/s; checkpoints are listed without storage paths; the CLI bar shows them', async function () {
    needsTraining(this);
    const env = { L1G1_GATEWAY_URL: gw.url, L1G1_API_KEY: adminKey };
    const bar = await runCli(['train', '--dataset', 'mail@1', '--arch', 'mlp', '--arch-options', '{"input_dim":4}', '--epochs', '1', '--batch-size', '4', '--checkpoint-every', '2', '--optimizer', 'adamw', '--lr', '0.01', '--watch'], env);
    assert.equal(bar.code, 0, bar.stderr);
    assert.match(bar.stderr, /step \d+\/\d+ epoch \d+ loss \d+\.\d{4} lr \d\.\d{2}e[-+]\d+ \d+ samples\/s/);
    assert.match(bar.stdout, /succeeded/);
    const id = bar.stdout.trim().split(/\s+/)[0]!;
    const events = await readEvents(`${gw.url}/v1/training/jobs/${id}/events`, admin);
    const step = events.events.find((e) => e.event === 'step');
    assert.ok(step, 'no step event');
    const figures = JSON.parse(step.data);
    for (const k of ['step', 'total_steps', 'epoch', 'loss', 'learning_rate', 'samples_per_second']) assert.equal(typeof figures[k], 'number', k);
    const cps = await http(`${gw.url}/v1/training/jobs/${id}/checkpoints`, { headers: reader });
    assert.equal(cps.status, 200, JSON.stringify(cps.body));
    assert.ok(cps.body.checkpoints.length >= 1);
    const c = cps.body.checkpoints[0];
    assert.equal(c.job_id, id);
    assert.match(c.sha256, /^[0-9a-f]{64}$/);
    assert.ok(c.size_bytes > 0);
    assert.doesNotMatch(JSON.stringify(cps.body), /file:\/\/|\/tmp\//);
  });
});
