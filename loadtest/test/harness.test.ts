import { strict as assert } from 'node:assert';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { L1g1Error } from '@l1g1/kit';
import { percentile, RequestFailure, runScenario } from '../src/harness';
import { createNodeHttpClient } from '../src/targets/http-client';
import { createRestTarget } from '../src/targets/rest';
import { randomFp32Input } from '../src/targets/tensor-input';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A target answering after `ms`, counting every call (warm-up included). */
function delayed(ms: number): { calls: number; send: () => Promise<void> } {
  const t = {
    calls: 0,
    send: async () => {
      t.calls++;
      await sleep(ms);
    },
  };
  return t;
}

describe('loadtest harness', () => {
  describe('closed loop', () => {
    it('stops at max requests and counts each one', async () => {
      const target = delayed(1);
      const r = await runScenario({ scenario: 'count', mode: 'closed', concurrency: 4, maxRequests: 50, durationS: 60 }, target.send);
      assert.equal(r.requests, 50);
      assert.equal(r.ok, 50);
      assert.deepEqual(r.errors, {});
      assert.equal(target.calls, 50);
      assert.equal(r.concurrency, 4);
      assert.ok(r.throughput_rps > 0 && r.rows_per_s === r.throughput_rps);
    });

    it('stops at the max duration when max requests is out of reach', async () => {
      const target = delayed(5);
      const r = await runScenario({ scenario: 'time', mode: 'closed', concurrency: 2, maxRequests: 1_000_000, durationS: 0.3 }, target.send);
      assert.ok(r.requests > 0, 'some requests ran');
      assert.ok(r.requests < 1_000_000);
      // Bounded: stops starting requests at 0.3 s, then waits for the last ones.
      assert.ok(r.duration_s >= 0.3 && r.duration_s < 5, `duration ${r.duration_s}`);
    });

    it('leaves warm-up requests out of the figures', async () => {
      const target = delayed(2);
      const r = await runScenario({ scenario: 'warm', mode: 'closed', concurrency: 1, maxRequests: 10, durationS: 60, warmupS: 0.2 }, target.send);
      assert.equal(r.requests, 10);
      assert.ok(target.calls > 10, `warm-up sent requests too (${target.calls} calls)`);
    });

    it('counts failures by code: RequestFailure code, L1g1Error kind, errno code', async () => {
      let i = 0;
      const send = async (): Promise<void> => {
        const n = i++;
        await sleep(0);
        if (n % 3 === 0) throw new RequestFailure('HTTP_503', 'service unavailable');
        if (n % 5 === 0) throw new L1g1Error('RESOURCE_EXHAUSTED', 'queue full');
        if (n % 7 === 0) throw Object.assign(new Error('reset'), { code: 'ECONNRESET' });
      };
      const r = await runScenario({ scenario: 'errors', mode: 'closed', concurrency: 1, maxRequests: 30, durationS: 60 }, send);
      // n in 0..29: multiples of 3 -> 10; of 5 but not 3 -> 5, 10, 20, 25; of 7 but not 3 or 5 -> 7, 14, 28.
      assert.deepEqual(r.errors, { HTTP_503: 10, RESOURCE_EXHAUSTED: 4, ECONNRESET: 3 });
      assert.equal(r.ok, 13);
      assert.equal(r.requests, 30);
    });

    it('reports ordered percentiles of successful requests', async () => {
      let i = 0;
      // Mostly fast, a few slow: the tail must show in p99, not in p50.
      const send = (): Promise<void> => sleep(i++ % 20 === 19 ? 40 : 1);
      const r = await runScenario({ scenario: 'pct', mode: 'closed', concurrency: 1, maxRequests: 60, durationS: 60 }, send);
      assert.ok(r.p50_ms > 0);
      assert.ok(r.p50_ms <= r.p95_ms && r.p95_ms <= r.p99_ms && r.p99_ms <= r.max_ms, JSON.stringify(r));
      // Timers may fire a little early against hrtime: 30 ms still tells the tail from the ~1 ms body.
      assert.ok(r.p99_ms >= 30, `p99 ${r.p99_ms} includes the slow requests`);
      assert.ok(r.mean_ms > r.p50_ms, 'the slow tail pulls the mean above the median');
    });

    it('abandons requests that never answer after the drain timeout', async () => {
      let i = 0;
      const send = (): Promise<void> => (i++ === 3 ? new Promise<void>(() => undefined) : sleep(1));
      const r = await runScenario({ scenario: 'stuck', mode: 'closed', concurrency: 2, maxRequests: 20, durationS: 60, drainTimeoutMs: 200 }, send);
      assert.equal(r.errors['DRAIN_TIMEOUT'], 1);
      assert.equal(r.requests, r.ok + 1);
    });

    it('rejects nonsense settings', async () => {
      await assert.rejects(runScenario({ scenario: 'bad', mode: 'closed', concurrency: 0, maxRequests: 1, durationS: 1 }, async () => undefined), RangeError);
      await assert.rejects(runScenario({ scenario: 'bad', mode: 'open', rateRps: 0, maxOutstanding: 1, maxRequests: 1, durationS: 1 }, async () => undefined), RangeError);
    });
  });

  describe('open loop (fixed arrival rate)', () => {
    it('keeps roughly its rate whatever the latency of the target', async () => {
      // 50 ms per request: a closed loop of one would manage ~20 req/s.
      const target = delayed(50);
      const r = await runScenario({ scenario: 'rate', mode: 'open', rateRps: 200, maxOutstanding: 1000, maxRequests: 1_000_000, durationS: 1 }, target.send);
      assert.equal(r.rate, 200);
      assert.equal(r.dropped, 0);
      // The schedule decides: request i starts at i / rate, for every i / rate < 1 s.
      assert.equal(r.requests, 200);
      assert.equal(r.ok, r.requests);
    });

    it('stops at max requests', async () => {
      const r = await runScenario({ scenario: 'rate-count', mode: 'open', rateRps: 1000, maxOutstanding: 100, maxRequests: 25, durationS: 60 }, delayed(1).send);
      assert.equal(r.requests, 25);
    });

    it('drops (and counts) scheduled requests past the outstanding cap', async () => {
      const r = await runScenario({ scenario: 'cap', mode: 'open', rateRps: 500, maxOutstanding: 2, maxRequests: 1_000_000, durationS: 0.5 }, delayed(100).send);
      assert.ok((r.dropped ?? 0) > 0, 'some starts were dropped');
      assert.ok(r.requests <= 20, `at most ~2 in flight per 100 ms, got ${r.requests}`);
      assert.equal(r.requests + (r.dropped ?? 0), 250, 'every scheduled start is either sent or dropped');
    });
  });

  describe('percentile', () => {
    it('is the nearest rank', () => {
      const v = Array.from({ length: 100 }, (_, i) => i + 1);
      assert.equal(percentile(v, 50), 50);
      assert.equal(percentile(v, 99), 99);
      assert.equal(percentile(v, 100), 100);
      assert.equal(percentile([7], 99), 7);
      assert.equal(percentile([], 50), 0);
    });
  });
});

describe('loadtest REST target against a local HTTP server', () => {
  let server: Server;
  let baseUrl: string;
  const seen: { path: string; headerLen: string | undefined; bytes: number }[] = [];
  let failEvery = 0;
  let n = 0;

  before(async () => {
    server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const headerLen = req.headers['inference-header-content-length'] as string | undefined;
        seen.push({ path: req.url ?? '', headerLen, bytes: Buffer.concat(chunks).length });
        if (failEvery > 0 && n++ % failEvery === 0) {
          res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"busy"}');
          return;
        }
        const json = Buffer.from(JSON.stringify({ model_name: 'm', parameters: { batch_size: 4, queue_us: 10, compute_us: 100 }, outputs: [] }));
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(json.length) });
        res.end(Buffer.concat([json, Buffer.alloc(80)]));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => new Promise<void>((r) => server.close(() => r())));

  it('sends OIP binary requests (JSON header + raw bytes) and reads server timing', async () => {
    const client = createNodeHttpClient({ baseUrl, maxSockets: 4 });
    const input = randomFp32Input('input', [1, 16]);
    const target = createRestTarget('rest-oip-binary', client, 'm', input);
    const r = await runScenario({ scenario: 'rest', mode: 'closed', concurrency: 4, maxRequests: 40, durationS: 60 }, target.send);
    client.close();
    assert.equal(r.ok, 40);
    const last = seen[seen.length - 1]!;
    assert.equal(last.path, '/v2/models/m/infer');
    assert.equal(last.bytes, target.bodyBytes);
    assert.equal(last.bytes - Number(last.headerLen), 16 * 4, 'raw FP32 bytes follow the JSON header');
    assert.equal(target.timing.summary().mean_batch_size, 4);
  });

  it('counts non-2xx answers under HTTP_<status>', async () => {
    failEvery = 4;
    n = 0;
    const client = createNodeHttpClient({ baseUrl, maxSockets: 1 });
    const target = createRestTarget('rest-oip-binary', client, 'm', randomFp32Input('input', [1, 4]));
    const r = await runScenario({ scenario: 'rest-503', mode: 'closed', concurrency: 1, maxRequests: 20, durationS: 60 }, target.send);
    client.close();
    failEvery = 0;
    assert.deepEqual(r.errors, { HTTP_503: 5 });
    assert.equal(r.ok, 15);
  });
});
