import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runOverload } from '../src/overload';

/**
 * A server that answers request i by i % 5: 200, 429 (with a reason), 503,
 * 500, or drops the connection; so every outcome class shows up a known
 * number of times.
 */
function startMixedServer(): Promise<Server> {
  let n = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const kind = n++ % 5;
      if (kind === 0) res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      else if (kind === 1) res.writeHead(429, { 'content-type': 'application/json' }).end('{"error":{"reason":"GATEWAY_OVERLOADED"}}');
      else if (kind === 2) res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"saturated"}');
      else if (kind === 3) res.writeHead(500).end('oops');
      else req.socket.destroy();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('loadtest overload runner', () => {
  let server: Server;
  before(async () => {
    server = await startMixedServer();
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('sends rate x duration requests open loop and classifies every answer: accepted, refused (by status and reason), 5xx, resets', async () => {
    const port = (server.address() as AddressInfo).port;
    // One socket: answers come in send order, so request i gets outcome i % 5.
    const r = await runOverload({
      baseUrl: `http://127.0.0.1:${port}`,
      path: '/x',
      body: Buffer.from('{}'),
      headers: { 'content-type': 'application/json' },
      rateRps: 100,
      durationS: 0.5,
      maxSockets: 1,
      maxOutstanding: 1000,
      timeoutMs: 5000,
    });
    assert.equal(r.sent, 50);
    assert.equal(r.dropped, 0);
    assert.equal(r.accepted, 10);
    assert.deepEqual(r.refused, { '429': 10, '503': 10 });
    assert.deepEqual(r.refused_reasons, { GATEWAY_OVERLOADED: 10, unknown: 10 });
    assert.equal(r.status_5xx, 20);
    assert.equal(r.status_5xx_not_refusal, 10);
    assert.deepEqual(r.other_status, { '500': 10 });
    assert.equal(r.resets, 10);
    assert.equal(r.accepted + r.refused['429']! + r.refused['503']! + r.other_status['500']! + r.resets, r.sent);
    assert.ok(r.accepted_p99_ms > 0 && r.refusal_p99_ms > 0);
  });
});
