import { strict as assert } from 'node:assert';
import { http as httpBase, useDemoStack } from '../../test/support/stack';

describe('gateway: OIP v2 REST edges: model_repository, readiness, non-finite inputs (real gateway, inference, registry)', function () {
  this.timeout(60_000);
  const ctx = useDemoStack();
  // The stack's admin key on every call: repository load/unload need one (auth.test.ts tests keys).
  const http = (u: string, init: Parameters<typeof httpBase>[1] = {}) => httpBase(u, { ...init, headers: { ...ctx.stack.authHeaders, ...(init.headers as Record<string, string> | undefined) } });
  const url = (path: string) => `${ctx.stack.gatewayUrl}${path}`;
  const post = (path: string, json?: unknown) => http(url(path), json === undefined ? { method: 'POST' } : { method: 'POST', json });

  it('is advertised in server metadata', async () => {
    const meta = await http(url('/v2'));
    assert.ok(meta.body.extensions.includes('model_repository'), JSON.stringify(meta.body));
  });

  it('load -> index READY -> unload -> index UNAVAILABLE with the reason; ready=true lists only loaded models', async () => {
    const loaded = await post('/v2/repository/models/demo/load');
    assert.equal(loaded.status, 200, JSON.stringify(loaded.body));
    assert.deepEqual(loaded.body, { name: 'demo', version: '1', state: 'READY', reason: '', precision: 'fp32' });
    assert.equal((await http(url('/v2/models/demo/ready'))).status, 200);

    const index = await post('/v2/repository/index', {});
    assert.equal(index.status, 200);
    assert.deepEqual(index.body, [{ name: 'demo', version: '1', state: 'READY', reason: '', precision: 'fp32' }]);

    const unloaded = await post('/v2/repository/models/demo/unload');
    assert.equal(unloaded.status, 200, JSON.stringify(unloaded.body));
    assert.deepEqual(unloaded.body, { name: 'demo', unloaded: 1 });
    assert.equal((await http(url('/v2/models/demo/ready'))).status, 503);

    const after = await post('/v2/repository/index');
    assert.deepEqual(after.body, [{ name: 'demo', version: '1', state: 'UNAVAILABLE', reason: 'unloaded on request', precision: 'fp32' }]);
    assert.deepEqual((await post('/v2/repository/index', { ready: true })).body, []);

    // A request loads it again.
    const infer = await http(url('/v2/models/demo/infer'), {
      method: 'POST',
      json: { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] }] },
    });
    assert.equal(infer.status, 200, JSON.stringify(infer.body));
    assert.equal((await post('/v2/repository/index', { ready: true })).body[0].state, 'READY');
  });

  it('loads a pinned version and precision through parameters', async () => {
    const res = await post('/v2/repository/models/demo/load', { parameters: { version: '1', precision: 'fp32' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.version, '1');
  });

  it('answers 404 {"error": ...} for the readiness of an unknown model or version', async () => {
    for (const path of ['/v2/models/nope/ready', '/v2/models/demo/versions/99/ready']) {
      const res = await http(url(path));
      assert.equal(res.status, 404, `${path}: ${JSON.stringify(res.body)}`);
      assert.deepEqual(Object.keys(res.body), ['error']);
    }
  });

  it('refuses NaN in binary tensor data with 400 naming the tensor and the element', async () => {
    const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], parameters: { binary_data_size: 16 } }] }));
    const body = Buffer.concat([header, Buffer.from(Float32Array.from([5.1, NaN, 1.4, 0.2]).buffer)]);
    const res = await http(url('/v2/models/demo/infer'), {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) },
      body,
    });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.match(res.body.error, /input "features" has NaN at element 1/);
  });

  it('answers client mistakes as 4xx {"error": "..."} naming what was wrong', async () => {
    const unknown = await post('/v2/repository/models/nope/load');
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.error, /nope/);
    assert.deepEqual(Object.keys(unknown.body), ['error']);

    const badParam = await post('/v2/repository/models/demo/load', { parameters: { config: '{}' } });
    assert.equal(badParam.status, 400);
    assert.match(badParam.body.error, /^parameters\.config: /);

    // A version past int32 is the caller's mistake (400), never our serializer's 500 nor a breaker failure.
    for (let i = 0; i < 6; i++) {
      const tooBig = await post('/v2/repository/models/demo/load', { parameters: { version: i % 2 ? '2147483648' : '99999999999999999999' } });
      assert.equal(tooBig.status, 400, JSON.stringify(tooBig.body));
      assert.match(tooBig.body.error, /^model_version: /);
    }
    assert.equal((await http(url('/readyz'))).body.breakers.inference, 'closed');

    const badPrecision = await post('/v2/repository/models/demo/load', { parameters: { precision: 'FP32' } });
    assert.equal(badPrecision.status, 400);
    assert.match(badPrecision.body.error, /^parameters\.precision: /);

    const badReady = await post('/v2/repository/index', { ready: 'yes' });
    assert.equal(badReady.status, 400);
    assert.match(badReady.body.error, /^ready: /);

    const badJson = await http(url('/v2/repository/index'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"ready":' });
    assert.equal(badJson.status, 400);
    assert.deepEqual(Object.keys(badJson.body), ['error']);
  });
});
