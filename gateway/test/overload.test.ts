import { strict as assert } from 'node:assert';
import { Agent } from 'node:http';
import { createSilentLogger, freePort } from '@l1g1/kit';
import { loadGatewayConfig, startGateway, type RunningGateway } from '@l1g1/gateway';
import { http, useDemoStack } from '../../test/support/stack';
import { heldRequest, until, within, type HeldRequest } from './support/raw-http';

const FEATURES = { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] }] };
const PREDICT_BODY = JSON.stringify(FEATURES);
const JSON_HEADERS = { 'content-type': 'application/json' };

/** The front door's own count of what it holds, read from /metrics (never shed). */
async function inFlight(gatewayUrl: string, kind: 'requests' | 'large_bodies' | 'sse_streams'): Promise<number> {
  const text = await (await fetch(`${gatewayUrl}/metrics`)).text();
  const m = new RegExp(`l1g1_gateway_in_flight\\{kind="${kind}"\\} (\\d+)`).exec(text);
  return m ? Number(m[1]) : -1;
}

/** A predict whose headers are sent and whose body never completes. */
function stalledPredict(gatewayUrl: string, path = '/v1/models/demo:predict'): HeldRequest {
  const r = heldRequest(gatewayUrl, 'POST', path, { ...JSON_HEADERS, 'content-length': String(PREDICT_BODY.length) });
  r.write(PREDICT_BODY.slice(0, 10));
  return r;
}

describe('gateway front door: requests in flight', function () {
  this.timeout(60_000);
  const ctx = useDemoStack({
    // Admitted predicts sit 1 s in the batcher, so a burst overlaps even on a busy machine.
    inferenceEnv: { L1G1_MAX_QUEUE_DELAY_US: '1000000', L1G1_MAX_BATCH_SIZE: '64' },
    gatewayEnv: { L1G1_MAX_REQUESTS_IN_FLIGHT: '4' },
  });

  it('counts a request from its headers: with 4 bodies still arriving, the next gets 429 + Retry-After before its body is read; probes still answer', async () => {
    const url = ctx.stack.gatewayUrl;
    const held = Array.from({ length: 4 }, () => stalledPredict(url));
    try {
      await until('the gateway holds the 4 stalled requests', async () => (await inFlight(url, 'requests')) === 4, 10_000);

      // Its own body is never finished either: an answer can only come from before the body.
      const extra = stalledPredict(url);
      const refused = await within(extra.response, 10_000, 'the 5th request was not refused before its body');
      assert.equal(refused.status, 429);
      assert.equal(refused.json.error.code, 'RESOURCE_EXHAUSTED');
      assert.equal(refused.json.error.reason, 'GATEWAY_OVERLOADED');
      assert.match(refused.json.error.message, /requests in flight/);
      assert.ok(Number(refused.headers['retry-after']) >= 1);
      extra.destroy();

      // OIP routes answer in the OIP shape, from the same front door.
      const oip = await http(`${url}/v2/models/demo/infer`, { method: 'POST', json: FEATURES });
      assert.equal(oip.status, 429);
      assert.equal(typeof oip.body.error, 'string');
      assert.ok(Number(oip.headers.get('retry-after')) >= 1);

      // Probes and metrics are never shed.
      assert.equal((await http(`${url}/healthz`)).status, 200);
      assert.equal((await http(`${url}/readyz`)).status, 200);
    } finally {
      for (const h of held) h.destroy();
    }
    // Clients that went away give their slots back.
    await until('the slots are released', async () => (await inFlight(url, 'requests')) === 0, 10_000);
    assert.equal((await http(`${url}/v1/models/demo:predict`, { method: 'POST', json: FEATURES })).status, 200);
  });

  it('offered twice the bound at once: the excess gets 429, every admitted request succeeds, nothing waits for a timeout', async () => {
    const url = ctx.stack.gatewayUrl;
    assert.equal((await http(`${url}/v1/models/demo:predict`, { method: 'POST', json: FEATURES })).status, 200);
    const results = await within(
      Promise.all(Array.from({ length: 8 }, () => http(`${url}/v1/models/demo:predict`, { method: 'POST', json: FEATURES }))),
      20_000,
      'the burst was not answered',
    );
    const statuses = results.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 200).length, 4, `statuses: ${statuses.join(',')}`);
    assert.equal(statuses.filter((s) => s === 429).length, 4, `statuses: ${statuses.join(',')}`);
    assert.ok(results.filter((r) => r.status === 429).every((r) => r.body.error.reason === 'GATEWAY_OVERLOADED'));
    assert.equal((await http(`${url}/readyz`)).body.breakers.inference, 'closed');
  });
});

describe('gateway front door: large bodies in progress', function () {
  this.timeout(60_000);
  const ctx = useDemoStack({ gatewayEnv: { L1G1_MAX_LARGE_BODIES: '1', L1G1_LARGE_BODY_BYTES: '1024' } });

  it('a second large body while one is arriving gets 429 before it is read; small bodies are not affected', async () => {
    const url = ctx.stack.gatewayUrl;
    const upload = { 'content-type': 'application/octet-stream', ...ctx.stack.authHeaders };
    const first = heldRequest(url, 'POST', '/v1/models/demo/versions', { ...upload, 'content-length': '100000' });
    first.write(Buffer.alloc(10));
    try {
      await until('the first upload is being received', async () => (await inFlight(url, 'large_bodies')) === 1, 10_000);
      const second = heldRequest(url, 'POST', '/v1/models/demo/versions', { ...upload, 'content-length': '5000' });
      second.end(Buffer.alloc(5000));
      const res = await within(second.response, 10_000, 'the second upload was not answered');
      assert.equal(res.status, 429);
      assert.equal(res.json.error.reason, 'TOO_MANY_LARGE_BODIES');
      assert.ok(Number(res.headers['retry-after']) >= 1);
      assert.equal((await http(`${url}/v1/models/demo:predict`, { method: 'POST', json: FEATURES })).status, 200);
    } finally {
      first.destroy();
    }
    await until('the slot is released', async () => (await inFlight(url, 'large_bodies')) === 0, 10_000);
    // Now it reaches the registry, which judges the bytes (not an ONNX model).
    const again = heldRequest(url, 'POST', '/v1/models/demo/versions', { ...upload, 'content-length': '5000' });
    again.end(Buffer.alloc(5000));
    assert.equal((await within(again.response, 10_000, 'the retried upload was not answered')).status, 400);
  });
});

describe('gateway front door: SSE streams', function () {
  this.timeout(60_000);
  const ctx = useDemoStack({ gatewayEnv: { L1G1_MAX_SSE_STREAMS: '2' } });

  it('beyond L1G1_MAX_SSE_STREAMS a stream is refused with 429 + Retry-After; a closed stream frees its place', async () => {
    const url = ctx.stack.gatewayUrl;
    const open = (): HeldRequest => heldRequest(url, 'GET', '/v1/events/aliases?model=demo', { accept: 'text/event-stream' });
    const streams = [open(), open()];
    try {
      for (const s of streams) assert.equal(await within(s.headers, 10_000, 'a stream did not start'), 200);
      const third = open();
      const res = await within(third.response, 10_000, 'the third stream was not answered');
      assert.equal(res.status, 429);
      assert.equal(res.json.error.reason, 'TOO_MANY_STREAMS');
      assert.ok(Number(res.headers['retry-after']) >= 1);
      // Streams are counted apart from requests: ordinary requests still pass.
      assert.equal((await http(`${url}/v1/models/demo`)).status, 200);

      streams.shift()!.destroy();
      await until('the closed stream gives its place back', async () => (await inFlight(url, 'sse_streams')) === 1, 10_000);
      const replacement = open();
      streams.push(replacement);
      assert.equal(await within(replacement.headers, 10_000, 'the replacement stream did not start'), 200);
    } finally {
      for (const s of streams) s.destroy();
    }
  });
});

describe('gateway front door: breaker open', function () {
  this.timeout(60_000);
  let gw: RunningGateway;

  before(async () => {
    // Nothing listens at the inference address: calls fail UNAVAILABLE and open the breaker.
    const dead = `127.0.0.1:${await freePort()}`;
    gw = await startGateway(
      loadGatewayConfig({
        L1G1_GATEWAY_PORT: '0',
        L1G1_INFERENCE_ADDR: dead,
        L1G1_REGISTRY_ADDR: dead,
        L1G1_BREAKER_RESET_MS: '60000',
        L1G1_MAX_BODY_BYTES: '4096',
      }),
      { logger: createSilentLogger() },
    );
    await until(
      'the inference breaker opens',
      async () => (await http(`${gw.url}/v1/models/demo:predict`, { method: 'POST', json: FEATURES })).body?.error?.reason === 'CIRCUIT_OPEN',
      20_000,
    );
  });
  after(async () => {
    await gw?.stop();
  });

  it('answers 503 + Retry-After before reading the body: over the body limit it is 503 (not 413), and the connection stays usable', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const big = Buffer.alloc(1024 * 1024, 0x20);
      const req = heldRequest(gw.url, 'POST', '/v1/models/demo:predict', { ...JSON_HEADERS, 'content-length': String(big.length) }, { agent });
      req.end(big);
      const res = await within(req.response, 10_000, 'no answer');
      assert.equal(res.status, 503);
      assert.equal(res.json.error.reason, 'CIRCUIT_OPEN');
      assert.ok(Number(res.headers['retry-after']) >= 1);

      // The same keep-alive connection serves the next request: no reset.
      const next = heldRequest(gw.url, 'GET', '/healthz', {}, { agent });
      next.end();
      const ok = await within(next.response, 10_000, 'the next request on the connection');
      assert.equal(ok.status, 200);
      assert.equal(ok.reusedSocket, true);
    } finally {
      agent.destroy();
    }
  });

  it('a body that never finishes still gets its 503, in the route\'s error shape', async () => {
    for (const path of ['/v1/models/demo:predict', '/v2/models/demo/infer']) {
      const req = stalledPredict(gw.url, path);
      const res = await within(req.response, 10_000, `${path} waited for the body`);
      req.destroy();
      assert.equal(res.status, 503, path);
      assert.ok(Number(res.headers['retry-after']) >= 1, path);
      if (path.startsWith('/v2/')) assert.match(res.json.error, /circuit open/);
      else assert.equal(res.json.error.reason, 'CIRCUIT_OPEN');
    }
  });
});

describe('gateway front door: connections', function () {
  this.timeout(30_000);
  let gw: RunningGateway;

  before(async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    gw = await startGateway(
      loadGatewayConfig({ L1G1_GATEWAY_PORT: '0', L1G1_INFERENCE_ADDR: dead, L1G1_REGISTRY_ADDR: dead, L1G1_MAX_CONNECTIONS: '2' }),
      { logger: createSilentLogger() },
    );
  });
  after(async () => {
    await gw?.stop();
  });

  it('beyond L1G1_MAX_CONNECTIONS a new connection is closed at once; a freed place serves again', async () => {
    const held = [new Agent({ keepAlive: true, maxSockets: 1 }), new Agent({ keepAlive: true, maxSockets: 1 })];
    try {
      // Two keep-alive connections, each answered once and kept open.
      for (const agent of held) {
        const r = heldRequest(gw.url, 'GET', '/healthz', {}, { agent });
        r.end();
        assert.equal((await within(r.response, 10_000, 'a held connection was not served')).status, 200);
      }
      const third = heldRequest(gw.url, 'GET', '/healthz', {});
      third.end();
      await assert.rejects(within(third.response, 10_000, 'the third connection was neither served nor closed'), /socket hang up|ECONNRESET/);
    } finally {
      for (const agent of held) agent.destroy();
    }
    await until('a new connection is served once the others closed', async () => {
      const r = heldRequest(gw.url, 'GET', '/healthz', {});
      r.end();
      return (await r.response).status === 200;
    }, 10_000);
  });
});

describe('gateway front door: event loop saturated', function () {
  this.timeout(60_000);
  let gw: RunningGateway;

  before(async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    gw = await startGateway(
      loadGatewayConfig({
        L1G1_GATEWAY_PORT: '0',
        L1G1_INFERENCE_ADDR: dead,
        L1G1_REGISTRY_ADDR: dead,
        L1G1_MAX_EVENT_LOOP_DELAY_MS: '50',
        L1G1_EVENT_LOOP_SAMPLE_MS: '100',
      }),
      { logger: createSilentLogger() },
    );
  });
  after(async () => {
    await gw?.stop();
  });

  /**
   * Keeps this process's event loop (the gateway's) busy for `totalMs`, in
   * 300 ms stalls with a brief gap between them, as a flood of work would;
   * the gaps are where the gateway gets to answer.
   */
  const saturate = async (totalMs: number): Promise<void> => {
    const end = Date.now() + totalMs;
    while (Date.now() < end) {
      const stallEnd = Date.now() + 300;
      while (Date.now() < stallEnd) {
        // busy: nothing else runs
      }
      await new Promise((r) => setImmediate(r));
    }
  };

  it('while the loop stays saturated, requests get 503 GATEWAY_SATURATED + Retry-After; probes are still answered; afterwards requests pass again', async () => {
    const busy = saturate(2000);
    // Sent once the loop has been late for a few samples; answered in a gap.
    await new Promise((r) => setTimeout(r, 900));
    const [res, probe] = await Promise.all([http(`${gw.url}/v1/models/demo`), http(`${gw.url}/healthz`)]);
    await busy;
    assert.equal(res.status, 503);
    assert.equal(res.body.error.reason, 'GATEWAY_SATURATED');
    assert.ok(Number(res.headers.get('retry-after')) >= 1);
    assert.equal(probe.status, 200);
    // Once the loop keeps up, the request reaches the (absent) registry: a different answer.
    await until('requests pass the front door again', async () => (await http(`${gw.url}/v1/models/demo`)).body?.error?.reason !== 'GATEWAY_SATURATED', 10_000);
  });
});
