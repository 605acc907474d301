import { strict as assert } from 'node:assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const LAUNCHER = resolve(__dirname, '..', 'dist', 'main.js');
const CREATE_KEY = resolve(__dirname, '..', 'dist', 'create-key.js');

describe('create-key: API keys for deployments without npm start', () => {
  it('prints a new key once, and refuses an unknown scope naming the flag', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'l1g1-create-key-'));
    try {
      const env = { ...process.env, L1G1_DATA_DIR: dataDir };
      const ok = spawnSync(process.execPath, [CREATE_KEY, '--name', 'ops', '--scopes', 'admin'], { env, encoding: 'utf8' });
      assert.equal(ok.status, 0, ok.stderr);
      assert.equal((ok.stdout.match(/l1g1_[A-Za-z0-9-]{12}_[A-Za-z0-9_-]{43}/g) ?? []).length, 1, ok.stdout);
      const bad = spawnSync(process.execPath, [CREATE_KEY, '--name', 'ops', '--scopes', 'root'], { env, encoding: 'utf8' });
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /--scopes/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('launcher (npm start): the whole suite as supervised processes', function () {
  // Bounds, not timings: four processes start one after another on a machine other test runs share.
  this.timeout(420_000);
  let dataDir: string;
  let proc: ChildProcess;
  let out = '';

  const waitFor = async (re: RegExp, ms: number): Promise<RegExpExecArray> => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const m = re.exec(out);
      if (m) return m;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${re} in:\n${out}`);
  };
  const predict = (url: string) =>
    fetch(`${url}/v1/models/demo:predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] }] }),
    });

  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'l1g1-launch-'));
    proc = spawn(process.execPath, [LAUNCHER], {
      // Port 0: the launcher picks free ports, so the test never collides with a running suite.
      env: { ...process.env, L1G1_DATA_DIR: dataDir, L1G1_REGISTRY_PORT: '0', L1G1_INFERENCE_PORT: '0', L1G1_INGESTION_PORT: '0', L1G1_TRAINER_PORT: '0', L1G1_GATEWAY_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  });

  after(() => {
    if (proc.exitCode === null) proc.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts every service, registers the demo model, prints addresses, pids and a curl', async () => {
    await waitFor(/Ctrl-C stops everything/, 360_000);
    assert.match(out, /model-registry\s+127\.0\.0\.1:\d+\s+pid \d+/);
    assert.match(out, /inference\s+127\.0\.0\.1:\d+\s+pid \d+/);
    assert.match(out, /ingestion\s+127\.0\.0\.1:\d+\s+pid \d+/);
    assert.match(out, /trainer\s+127\.0\.0\.1:\d+\s+pid \d+/);
    assert.match(out, /labeling\s+127\.0\.0\.1:\d+\s+pid \d+/);
    assert.match(out, /gateway\s+http:\/\/127\.0\.0\.1:\d+\s+pid \d+/);
    assert.match(out, /demo model: "demo" version 1 \(alias production/);
    assert.match(out, /curl -s http:\/\/127\.0\.0\.1:\d+\/v1\/models\/demo:predict/);
    const url = (await waitFor(/Gateway: (http:\/\/127\.0\.0\.1:\d+)/, 1000))[1]!;
    const res = await predict(url);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { outputs: { data: number[] }[] };
    assert.equal(body.outputs[0]!.data.length, 3);
    // The annotation page's URL is printed, and the gateway serves it.
    const pageUrl = (await waitFor(/Annotation page: (http:\/\/127\.0\.0\.1:\d+\/label)/, 1000))[1]!;
    assert.equal(pageUrl, `${url}/label`);
    const page = await fetch(pageUrl);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>L1G1 labeling<\/title>/);
    assert.deepEqual(readdirSync(join(dataDir, 'logs')).sort(), ['gateway.log', 'inference.log', 'ingestion.log', 'labeling.log', 'model-registry.log', 'trainer.log']);
  });

  it('prints an admin key once, stores only its hash, and writes need it', async () => {
    const keys = out.match(/l1g1_[A-Za-z0-9-]{12}_[A-Za-z0-9_-]{43}/g) ?? [];
    assert.equal(new Set(keys).size, 1, out);
    const key = keys[0]!;
    const secret = key.slice('l1g1_'.length + 13); // the id has no '_', the secret may
    for (const file of readdirSync(join(dataDir, 'auth')).filter((f) => f.startsWith('keys.db'))) {
      assert.ok(!readFileSync(join(dataDir, 'auth', file)).includes(Buffer.from(secret)), `plaintext secret stored in ${file}`);
    }
    const url = (await waitFor(/Gateway: (http:\/\/127\.0\.0\.1:\d+)/, 1000))[1]!;
    const create = (headers: Record<string, string>) =>
      fetch(`${url}/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ name: 'ci', scopes: ['predict'] }) });
    assert.equal((await create({})).status, 401);
    assert.equal((await create({ authorization: `Bearer ${key}` })).status, 201);
    // The demo model was registered by the launcher's own identity.
    const events = (await (await fetch(`${url}/v1/models/demo/alias-events`)).json()) as { events: { actor: string }[] };
    assert.equal(events.events[0]!.actor, 'launcher');
  });

  it('restarts a crashed service by itself', async () => {
    const pid = Number((await waitFor(/inference\s+\S+\s+pid (\d+)/, 1000))[1]);
    process.kill(pid, 'SIGKILL');
    await waitFor(/inference exited .* restarting in \d+ ms/, 30_000);
    await waitFor(/inference restarted \(pid \d+, restart #1\)/, 30_000);
    const url = (await waitFor(/Gateway: (http:\/\/127\.0\.0\.1:\d+)/, 1000))[1]!;
    const end = Date.now() + 180_000;
    let status = 0;
    while (Date.now() < end && status !== 200) {
      status = (await predict(url).catch(() => ({ status: 0 }))).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(status, 200);
  });

  it('Ctrl-C stops everything cleanly', async () => {
    const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
    proc.kill('SIGINT');
    assert.equal(await exited, 0);
    assert.match(out, /stopped\./);
  });
});
