import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { registry } from '@l1g1/contracts';
import { createGrpcClient, createSilentLogger, freePort } from '@l1g1/kit';
import { buildDemoClassifier } from '@l1g1/onnx';
import { loadRegistryConfig, startModelRegistry, type RunningModelRegistry } from '@l1g1/model-registry';
import { loadGatewayConfig, startGateway, type RunningGateway } from '@l1g1/gateway';
import { adminClientOptions, http, uploadModel } from '../../test/support/stack';
import { until } from './support/raw-http';

const INFERENCE_MAIN = resolve(__dirname, '..', '..', 'services', 'inference', 'dist', 'main.js');
const FEATURES = { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] }] };
/** The old fixed upstream deadline: a hung upstream held every caller this long. */
const OLD_DEADLINE_MS = 30_000;
/** A caller not answered within this is "held": well under the old deadline, well over keepalive + predict deadline. */
const CALLER_GIVES_UP_MS = 15_000;

interface Outcome {
  status: number | 'held';
  reason?: string;
  afterStop: boolean;
}

describe('gateway: a hung (SIGSTOPped) upstream is found in seconds', function () {
  this.timeout(120_000);
  let dataDir: string;
  let reg: RunningModelRegistry;
  let gw: RunningGateway;
  let child: ChildProcess | undefined;

  const predict = async (): Promise<{ status: number; reason?: string }> => {
    try {
      const res = await http(`${gw.url}/v1/models/demo:predict`, { method: 'POST', json: FEATURES, signal: AbortSignal.timeout(CALLER_GIVES_UP_MS) });
      return { status: res.status, reason: res.body?.error?.reason };
    } catch {
      return { status: -1 };
    }
  };

  before(async () => {
    assert.ok(CALLER_GIVES_UP_MS < OLD_DEADLINE_MS);
    dataDir = mkdtempSync(join(tmpdir(), 'l1g1-hung-'));
    const logger = createSilentLogger();
    reg = await startModelRegistry(loadRegistryConfig({ L1G1_DATA_DIR: dataDir, L1G1_REGISTRY_ADDR: '127.0.0.1:0' }), { logger });
    const client = createGrpcClient(registry.ModelRegistryServiceClient, reg.address, await adminClientOptions(dataDir));
    await uploadModel(client, 'demo', buildDemoClassifier(), { alias: 'production' });
    client.close();
    const inferenceAddr = `127.0.0.1:${await freePort()}`;
    // Defaults for deadlines and keepalive: what a user gets.
    gw = await startGateway(loadGatewayConfig({ L1G1_DATA_DIR: dataDir, L1G1_GATEWAY_PORT: '0', L1G1_REGISTRY_ADDR: reg.address, L1G1_INFERENCE_ADDR: inferenceAddr }), { logger });
    child = spawn(process.execPath, [INFERENCE_MAIN], {
      env: { ...process.env, L1G1_DATA_DIR: dataDir, L1G1_INFERENCE_ADDR: inferenceAddr, L1G1_INFERENCE_METRICS_PORT: '0', L1G1_REGISTRY_ADDR: reg.address, L1G1_LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    });
    await until('inference serves', async () => (await predict()).status === 200, 30_000);
  });

  after(async () => {
    child?.kill('SIGKILL');
    await gw?.stop();
    await reg?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('callers in flight get 503/504 instead of waiting for the old 30 s deadline, the breaker opens, and SIGCONT recovers', async () => {
    let stopped = false;
    let running = true;
    const outcomes: Outcome[] = [];
    const caller = async (): Promise<void> => {
      while (running) {
        const afterStop = stopped;
        const r = await predict();
        outcomes.push({ status: r.status === -1 ? 'held' : r.status, reason: r.reason, afterStop });
        if (r.status !== 200) await new Promise((res) => setTimeout(res, 20));
      }
    };
    const callers = Array.from({ length: 6 }, caller);
    await until('traffic flows', async () => outcomes.filter((o) => o.status === 200).length >= 20, 20_000);

    child!.kill('SIGSTOP');
    stopped = true;
    await until('the inference breaker opens', async () => (await http(`${gw.url}/readyz`)).body.breakers.inference === 'open', CALLER_GIVES_UP_MS);
    // While open, other routes to inference are answered at once too (here a metadata read).
    const meta = await http(`${gw.url}/v2/models/demo`, { signal: AbortSignal.timeout(CALLER_GIVES_UP_MS) });
    assert.equal(meta.status, 503);
    // ... and so is a predict: the caller is told the circuit is open.
    const refused = await predict();
    assert.deepEqual(refused, { status: 503, reason: 'CIRCUIT_OPEN' });
    running = false;
    // Every caller's last request settles: none of them is held until it gives up.
    await Promise.all(callers);

    const afterStop = outcomes.filter((o) => o.afterStop);
    const held = afterStop.filter((o) => o.status === 'held');
    assert.equal(held.length, 0, `${held.length} callers were held ${CALLER_GIVES_UP_MS} ms`);
    const statuses = new Set(afterStop.map((o) => o.status));
    assert.ok([...statuses].every((s) => s === 200 || s === 503 || s === 504), `statuses after SIGSTOP: ${[...statuses].join(',')}`);

    child!.kill('SIGCONT');
    await until('traffic recovers after SIGCONT', async () => (await predict()).status === 200, 30_000);
    await until('the breaker closes', async () => (await http(`${gw.url}/readyz`)).body.breakers.inference === 'closed', 10_000);
  });
});
