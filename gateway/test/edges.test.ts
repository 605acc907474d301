import { strict as assert } from 'node:assert';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createSilentLogger, freePort, L1g1Error } from '@l1g1/kit';
import { buildMlp } from '@l1g1/onnx';
import { buildGateway, createGatewayAuth, createUpstreams, loadGatewayConfig } from '@l1g1/gateway';
import { publicError, redact } from '@l1g1/gateway/dist/sanitize';
import { ensureDemoModel } from '@l1g1/launcher/dist/demo-model';
import { http as httpBase, setAlias, startStack, uploadModel, useDemoStack, type Stack } from '../../test/support/stack';

const FEATURES = { name: 'features', datatype: 'FP32', shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] };
const PREDICT = { inputs: [FEATURES] };

/** A raw HTTP/1.1 request: exact headers (fetch always adds a content type to a string body). */
function rawRequestBase(url: string, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** `/v1` error answers: `{"error":{code,reason,message,field?}}`. */
/** The stack's admin key on every request: these tests are about bodies and shapes, not keys (auth.test.ts is). */
function authedClients(stack: () => Stack) {
  const withKey = (headers?: RequestInit['headers']): Record<string, string> => ({ ...stack().authHeaders, ...(headers as Record<string, string> | undefined) });
  return {
    http: (url: string, init: Parameters<typeof httpBase>[1] = {}) => httpBase(url, { ...init, headers: withKey(init.headers) }),
    fetch: (url: string, init: RequestInit = {}) => globalThis.fetch(url, { ...init, headers: withKey(init.headers) }),
    rawRequest: (url: string, method: string, headers: Record<string, string>, body?: string) => rawRequestBase(url, method, withKey(headers), body),
  };
}

function assertV1Error(body: unknown, field: string, context: string): void {
  const e = (body as { error?: { code?: unknown; message?: unknown; field?: unknown } } | undefined)?.error;
  assert.ok(e && typeof e === 'object', `${context}: no error object in ${JSON.stringify(body)}`);
  assert.equal(typeof e.code, 'string', context);
  assert.equal(e.field, field, `${context}: ${JSON.stringify(body)}`);
  assert.ok(typeof e.message === 'string' && e.message.includes(field), `${context}: message does not name ${field}: ${JSON.stringify(body)}`);
}

/** `/v2` error answers: `{"error":"<message>"}`. */
function assertOipError(body: unknown, mentions: RegExp, context: string): void {
  const e = (body as { error?: unknown } | undefined)?.error;
  assert.equal(typeof e, 'string', `${context}: ${JSON.stringify(body)}`);
  assert.match(e as string, mentions, context);
}

const TOO_BIG = '2147483648'; // int32 max + 1

describe('gateway edges: client faults are 4xx naming the field, never 5xx, never a breaker failure', function () {
  this.timeout(60_000);
  const ctx = useDemoStack({ gatewayEnv: { L1G1_MAX_BODY_BYTES: String(256 * 1024) } });
  const gw = () => ctx.stack.gatewayUrl;
  const { http, rawRequest } = authedClients(() => ctx.stack);

  it('out-of-range integers in paths, bodies, queries and headers are 400 naming the field', async () => {
    const cases: [string, string, unknown, string][] = [
      ['GET', `/v1/models/demo/versions/${TOO_BIG}`, undefined, 'version'],
      ['PATCH', `/v1/models/demo/versions/${TOO_BIG}`, {}, 'version'],
      ['DELETE', `/v1/models/demo/versions/${TOO_BIG}`, undefined, 'version'],
      ['POST', `/v1/models/demo/versions/${TOO_BIG}/archive`, undefined, 'version'],
      ['GET', `/v1/models/demo/versions/${TOO_BIG}/artifact`, undefined, 'version'],
      ['PUT', '/v1/models/demo/aliases/staging', { version: 2147483648 }, 'version'],
      ['POST', '/v1/models/demo:predict', { ...PREDICT, version: 2147483648 }, 'version'],
      ['GET', `/v1/models?page_size=${TOO_BIG}`, undefined, 'page_size'],
      ['GET', `/v1/models/demo/versions?page_size=${TOO_BIG}`, undefined, 'page_size'],
      ['GET', `/v1/models/demo/versions?dataset=d&dataset_snapshot=${TOO_BIG}`, undefined, 'dataset_snapshot'],
      ['GET', `/v1/models/demo/alias-events?page_size=99999999999999999999`, undefined, 'page_size'],
      ['GET', `/v1/events/aliases?last_event_id=9223372036854775808`, undefined, 'last_event_id'],
    ];
    for (const [method, path, json, field] of cases) {
      const res = await http(`${gw()}${path}`, { method, ...(json !== undefined ? { json } : {}) });
      assert.equal(res.status, 400, `${method} ${path}: ${JSON.stringify(res.body)}`);
      assertV1Error(res.body, field, `${method} ${path}`);
    }
    const lineage = encodeURIComponent(JSON.stringify({ parent: { name: 'demo', version: 2147483648 } }));
    const upload = await http(`${gw()}/v1/models/demo/versions?lineage=${lineage}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from(buildMlp({ inputSize: 2, hiddenSizes: [], outputSize: 1 })) });
    assert.equal(upload.status, 400, JSON.stringify(upload.body));
    assertV1Error(upload.body, 'lineage.parent.version', 'upload lineage');
    const sse = await http(`${gw()}/v1/events/aliases`, { headers: { 'last-event-id': '9223372036854775808' } });
    assert.equal(sse.status, 400);
    assertV1Error(sse.body, 'Last-Event-ID', 'SSE Last-Event-ID');
    const oip = await http(`${gw()}/v2/models/demo/versions/${TOO_BIG}/infer`, { method: 'POST', json: PREDICT });
    assert.equal(oip.status, 400);
    assertOipError(oip.body, /version/, 'OIP version');
  });

  it('20 requests with an out-of-range version leave both breakers closed: the next valid request succeeds', async () => {
    for (let i = 0; i < 10; i++) {
      assert.equal((await http(`${gw()}/v1/models/demo:predict`, { method: 'POST', json: { ...PREDICT, version: 2147483648 } })).status, 400);
      assert.equal((await http(`${gw()}/v1/models/demo/versions/${TOO_BIG}`)).status, 400);
    }
    const ok = await http(`${gw()}/v1/models/demo:predict`, { method: 'POST', json: PREDICT });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal((await http(`${gw()}/v1/models/demo/versions/1`)).status, 200);
    assert.deepEqual((await http(`${gw()}/readyz`)).body.breakers, { registry: 'closed', inference: 'closed', ingestion: 'closed', trainer: 'closed', labeling: 'closed', evaluator: 'closed' });
  });

  it('a JSON body without a content type, or with curl -d\'s form type, is read as JSON', async () => {
    const none = await rawRequest(`${gw()}/v1/models/demo:predict`, 'POST', {}, JSON.stringify(PREDICT));
    assert.equal(none.status, 200, none.text);
    const form = await rawRequest(`${gw()}/v1/models`, 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, JSON.stringify({ name: 'from-curl' }));
    assert.equal(form.status, 201, form.text);
    assert.equal(JSON.parse(form.text).name, 'from-curl');
    const oip = await rawRequest(`${gw()}/v2/models/demo/infer`, 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, JSON.stringify(PREDICT));
    assert.equal(oip.status, 200, oip.text);
  });

  it('other content types are 415 in each dialect\'s error shape', async () => {
    const xml = await rawRequest(`${gw()}/v2/models/demo/infer`, 'POST', { 'content-type': 'application/xml' }, '<inputs/>');
    assert.equal(xml.status, 415, xml.text);
    assertOipError(JSON.parse(xml.text), /content-type/, 'OIP XML');
    const text = await rawRequest(`${gw()}/v1/models`, 'POST', { 'content-type': 'text/plain' }, '{"name":"x"}');
    assert.equal(text.status, 415, text.text);
    assertV1Error(JSON.parse(text.text), 'content-type', 'v1 text/plain');
  });

  it('20,000-deep nested JSON is 400 naming the body, not a stack overflow', async () => {
    const deep = '['.repeat(20_000) + ']'.repeat(20_000);
    const bodies: [string, string][] = [
      ['/v1/models/demo:predict', `{"inputs":[{"name":"features","datatype":"FP32","shape":[1,4],"data":${deep}}]}`],
      ['/v2/models/demo/infer', `{"inputs":[{"name":"features","datatype":"FP32","shape":[1,4],"data":${deep}}]}`],
      ['/v1/models', `{"name":"deep","tags":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}`],
    ];
    for (const [path, body] of bodies) {
      const res = await rawRequest(`${gw()}${path}`, 'POST', { 'content-type': 'application/json' }, body);
      assert.equal(res.status, 400, `${path}: ${res.text.slice(0, 200)}`);
      if (path.startsWith('/v2')) assertOipError(JSON.parse(res.text), /body: JSON nests deeper than 64 levels/, path);
      else assertV1Error(JSON.parse(res.text), 'body', path);
    }
    // Nesting the tensor data as deep as its rank is fine.
    const nested = await http(`${gw()}/v1/models/demo:predict`, { method: 'POST', json: { inputs: [{ ...FEATURES, data: [[5.1, 3.5, 1.4, 0.2]] }] } });
    assert.equal(nested.status, 200);
  });

  it('input a route does not take is a 400 naming it, never silently ignored', async () => {
    const patchModel = await http(`${gw()}/v1/models/demo`, { method: 'PATCH', json: { description: 'd', lineage: {} } });
    assert.equal(patchModel.status, 400, JSON.stringify(patchModel.body));
    assertV1Error(patchModel.body, 'lineage', 'PATCH model with an unknown field');
    const patchVersion = await http(`${gw()}/v1/models/demo/versions/1`, { method: 'PATCH', json: { tag: { a: 'b' } } });
    assert.equal(patchVersion.status, 400);
    assertV1Error(patchVersion.body, 'tag', 'PATCH version with a misspelt field');
    const stringVersion = await http(`${gw()}/v1/models/demo/aliases/staging`, { method: 'PUT', json: { version: '1' } });
    assert.equal(stringVersion.status, 400);
    assertV1Error(stringVersion.body, 'version', 'alias version as a string');
    const snapshotAlone = await http(`${gw()}/v1/models/demo/versions?dataset_snapshot=3`);
    assert.equal(snapshotAlone.status, 400);
    assertV1Error(snapshotAlone.body, 'dataset_snapshot', 'snapshot without its dataset');
    const unloadVersion = await http(`${gw()}/v2/repository/models/demo/unload`, { method: 'POST', json: { parameters: { version: '1' } } });
    assert.equal(unloadVersion.status, 400);
    assert.match(unloadVersion.body.error, /^parameters\.version: /);
  });

  it('every valid model name is reachable (128 characters, and name@alias); longer segments, bad encodings and unknown routes answer in our shapes', async () => {
    const longName = `m${'x'.repeat(127)}`;
    const created = await http(`${gw()}/v1/models`, { method: 'POST', json: { name: longName } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal((await http(`${gw()}/v1/models/${longName}`)).status, 200);
    const aliased = await http(`${gw()}/v1/models/${longName}@${'a'.repeat(64)}:predict`, { method: 'POST', json: PREDICT });
    assert.equal(aliased.status, 404, JSON.stringify(aliased.body)); // reached the service: no such alias
    assert.equal(aliased.body.error.code, 'NOT_FOUND');

    const tooLong = await http(`${gw()}/v1/models/${'x'.repeat(300)}`);
    assert.equal(tooLong.status, 414);
    assertV1Error(tooLong.body, 'url', '414');
    const tooLongV2 = await http(`${gw()}/v2/models/${'x'.repeat(300)}/ready`);
    assert.equal(tooLongV2.status, 414);
    assertOipError(tooLongV2.body, /url/, '414 v2');

    const badEncoding = await http(`${gw()}/v1/models/a%ZZ`);
    assert.equal(badEncoding.status, 400);
    assertV1Error(badEncoding.body, 'url', 'a%ZZ');

    const v1Route = await http(`${gw()}/v1/nothing-here`);
    assert.equal(v1Route.status, 404);
    assert.equal(v1Route.body.error.reason, 'ROUTE_NOT_FOUND');
    const v2Route = await http(`${gw()}/v2/nothing/here`);
    assert.equal(v2Route.status, 404);
    assertOipError(v2Route.body, /no route GET \/v2\/nothing\/here/, 'v2 route 404');
    const v2TooLarge = await http(`${gw()}/v2/models/demo/infer`, { method: 'POST', json: { inputs: [{ ...FEATURES, data: new Array(200_000).fill(1) }] } });
    assert.equal(v2TooLarge.status, 413);
    assertOipError(v2TooLarge.body, /body/, 'v2 413');
  });
});

describe('gateway edges: OIP REST as the spec spells it', function () {
  this.timeout(60_000);
  const ctx = useDemoStack();
  const gw = () => ctx.stack.gatewayUrl;
  const { http, fetch, rawRequest } = authedClients(() => ctx.stack);

  it('ready of an unknown model is 404 with {"error": ...}; of a known, loaded one 200', async () => {
    const unknown = await http(`${gw()}/v2/models/nope/ready`);
    assert.equal(unknown.status, 404);
    assertOipError(unknown.body, /nope/, 'unknown ready');
    // Readiness does not load a model: the first inference does.
    assert.equal((await http(`${gw()}/v2/models/demo/infer`, { method: 'POST', json: PREDICT })).status, 200);
    assert.equal((await http(`${gw()}/v2/models/demo/ready`)).status, 200);
  });

  it('datatypes must be spelled as the spec does and binary_data_size must be a JSON integer', async () => {
    const lower = await http(`${gw()}/v2/models/demo/infer`, { method: 'POST', json: { inputs: [{ ...FEATURES, datatype: 'fp32' }] } });
    assert.equal(lower.status, 400);
    assertOipError(lower.body, /inputs\[0\]\.datatype.*"fp32"/, 'lower-case datatype');
    const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], parameters: { binary_data_size: '16' } }] }));
    const res = await fetch(`${gw()}/v2/models/demo/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) },
      body: Buffer.concat([header, Buffer.from(Float32Array.from([5.1, 3.5, 1.4, 0.2]).buffer)]),
    });
    assert.equal(res.status, 400);
    assertOipError(await res.json(), /inputs\[0\]\.parameters\.binary_data_size: must be a JSON integer/, 'string binary_data_size');
  });

  it('non-finite inputs are 400 naming the tensor and index; non-finite outputs are the strings "NaN", "Infinity", "-Infinity"', async () => {
    const inf = await rawRequest(`${gw()}/v1/models/demo:predict`, 'POST', { 'content-type': 'application/json' }, '{"inputs":[{"name":"features","datatype":"FP32","shape":[1,4],"data":[1,2,1e999,4]}]}');
    assert.equal(inf.status, 400);
    assertV1Error(JSON.parse(inf.text), 'inputs[0].data[2]', 'Infinity input');
    const infV2 = await rawRequest(`${gw()}/v2/models/demo/infer`, 'POST', { 'content-type': 'application/json' }, '{"inputs":[{"name":"features","datatype":"FP32","shape":[1,4],"data":[1,2,3,-1e999]}]}');
    assert.equal(infV2.status, 400);
    assertOipError(JSON.parse(infV2.text), /inputs\[0\]\.data\[3\]/, 'Infinity input v2');

    // Huge finite inputs overflow the layers: the outputs are infinities and NaNs.
    await uploadModel(ctx.stack.registry, 'overflow', buildMlp({ inputSize: 256, hiddenSizes: [8], outputSize: 3, softmax: false, seed: 3 }), { alias: 'production' });
    const input = { name: 'input', datatype: 'FP32', shape: [1, 256], data: new Array(256).fill(3e38) };
    const json = await http(`${gw()}/v2/models/overflow/infer`, { method: 'POST', json: { inputs: [input] } });
    assert.equal(json.status, 200, JSON.stringify(json.body));
    const binHeader = Buffer.from(JSON.stringify({ inputs: [input], parameters: { binary_data_output: true } }));
    const bin = await fetch(`${gw()}/v2/models/overflow/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: binHeader });
    assert.equal(bin.status, 200);
    const raw = Buffer.from(await bin.arrayBuffer());
    const floats = raw.subarray(Number(bin.headers.get('inference-header-content-length')));
    const expected = [0, 1, 2].map((i) => floats.readFloatLE(i * 4));
    assert.ok(expected.some((v) => !Number.isFinite(v)), `the model did not overflow: ${expected.join(', ')}`);
    const spell = (v: number) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : v);
    assert.deepEqual(json.body.outputs[0].data, expected.map(spell));
    const v1 = await http(`${gw()}/v1/models/overflow:predict`, { method: 'POST', json: { inputs: [input] } });
    assert.deepEqual(v1.body.outputs[0].data, expected.map(spell));
  });
});

describe('gateway edges: nothing internal leaves', function () {
  this.timeout(30_000);

  it('an upstream nobody listens on is a 503 with a stable message: no address, no grpc-js text', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'l1g1-edges-'));
    const config = loadGatewayConfig({ L1G1_DATA_DIR: dataDir, L1G1_REGISTRY_ADDR: `127.0.0.1:${port}`, L1G1_INFERENCE_ADDR: `127.0.0.1:${port}`, L1G1_UPSTREAM_TIMEOUT_MS: '2000' });
    const upstreams = createUpstreams(config);
    const auth = await createGatewayAuth(config);
    const app = buildGateway({ config, upstreams, logger: createSilentLogger(), auth });
    try {
      const predict = await app.inject({ method: 'POST', url: '/v1/models/demo:predict', payload: PREDICT });
      assert.equal(predict.statusCode, 503, predict.body);
      assert.equal(predict.json().error.message, 'inference service is unavailable; retry shortly');
      const get = await app.inject({ method: 'GET', url: '/v1/models/demo' });
      assert.equal(get.json().error.message, 'registry service is unavailable; retry shortly');
      const oip = await app.inject({ method: 'GET', url: '/v2/models/demo' });
      assert.deepEqual(oip.json(), { error: 'inference service is unavailable; retry shortly' });
      for (const body of [predict.body, get.body, oip.body]) assert.doesNotMatch(body, /127\.0\.0\.1|remote_addr|LB pick|ECONNREFUSED|No connection/);
    } finally {
      await app.close();
      upstreams.close();
      auth.keys.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('INTERNAL says only "internal error (incident <id>)"; host paths and addresses are cut from service messages', () => {
    const cause = Object.assign(new Error('x'), { code: 13, details: 'x', metadata: new Metadata() });
    const internal = publicError(new L1g1Error('INTERNAL', 'ENOENT: /home/me/.l1g1/inference/cache/ab.onnx', { cause }));
    assert.match(internal.error.message, /^internal error \(incident [0-9a-f-]{36}\)$/);
    assert.equal(internal.incident, /incident ([0-9a-f-]+)/.exec(internal.error.message)![1]);
    const kept = publicError(new L1g1Error('INTERNAL', 'internal error (incident 0b5e3c1e-6a53-4cf1-9a52-2b6f1c1f0d2e)'));
    assert.equal(kept.error.message, 'internal error (incident 0b5e3c1e-6a53-4cf1-9a52-2b6f1c1f0d2e)');
    assert.equal(
      redact('failed to load file:///srv/data/a.onnx from /srv/data/blobs/ab/cd at 10.0.0.7:50052 remote_addr=127.0.0.1:37313 for /v1/models/demo'),
      'failed to load <path> from <path> at <address> <address> for /v1/models/demo',
    );
    // Field paths and dotted model names are not addresses; bracketed IPv6 with a port is.
    assert.equal(redact('inputs[0].shape: input "features" has shape [1, 5]'), 'inputs[0].shape: input "features" has shape [1, 5]');
    assert.equal(redact('model "10.0.0.1" not found'), 'model "10.0.0.1" not found');
    assert.equal(redact('connect to [::1]:50051 failed'), 'connect to <address> failed');
  });
});

describe('gateway edges: one REST dialect', function () {
  this.timeout(60_000);
  const ctx = useDemoStack();
  const gw = () => ctx.stack.gatewayUrl;
  const { http, fetch } = authedClients(() => ctx.stack);
  const SNAKE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
  /** Keys whose values are user maps (tags, metrics ...): their keys are the user's. */
  const USER_MAPS = new Set(['tags', 'metrics', 'params', 'aliases', 'metadata', 'parameters']);
  const camelKeys = (v: unknown, path = ''): string[] => {
    if (Array.isArray(v)) return v.flatMap((x, i) => camelKeys(x, `${path}[${i}]`));
    if (v === null || typeof v !== 'object') return [];
    return Object.entries(v).flatMap(([k, x]) => [...(SNAKE.test(k) ? [] : [`${path}.${k}`]), ...(USER_MAPS.has(k) ? [] : camelKeys(x, `${path}.${k}`))]);
  };

  it('/openapi.json is a valid OpenAPI 3.1 document whose every property name is snake_case', async () => {
    const doc = (await http(`${gw()}/openapi.json`)).body;
    const result = await new Validator().validate(doc);
    assert.deepEqual(result, { valid: true });
    const names: string[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) return v.forEach(walk);
      if (v === null || typeof v !== 'object') return;
      const o = v as Record<string, unknown>;
      if (o['properties'] && typeof o['properties'] === 'object') names.push(...Object.keys(o['properties'] as object));
      Object.values(o).forEach(walk);
    };
    walk(doc.paths);
    walk(doc.components);
    assert.ok(names.length > 50, `only ${names.length} properties documented`);
    assert.deepEqual(names.filter((n) => !SNAKE.test(n)), []);
    for (const q of Object.values(doc.paths as Record<string, Record<string, { parameters?: { in: string; name: string }[] }>>).flatMap((ops) => Object.values(ops).flatMap((op) => op.parameters ?? []))) {
      if (q.in === 'query') assert.match(q.name.replace('.{key}', ''), SNAKE, q.name);
    }
  });

  it('registry answers, list pages and SSE events are snake_case with lowercase enums and RFC 3339 times; no file:// URI', async function () {
    await uploadModel(ctx.stack.registry, 'dialect', buildMlp({ inputSize: 2, hiddenSizes: [], outputSize: 1 }), { tags: { camelCaseTag: 'kept' } });
    const ctrl = new AbortController();
    const sse = await fetch(`${gw()}/v1/events/aliases?model=dialect`, { signal: ctrl.signal });
    const reader = sse.body!.getReader();
    let text = '';
    const moved = await http(`${gw()}/v1/models/dialect/aliases/staging`, { method: 'PUT', json: { version: 1 }, headers: { 'x-l1g1-actor': 'w2' } });
    const until = Date.now() + 5000;
    while (!/event: alias/.test(text) && Date.now() < until) text += Buffer.from((await reader.read()).value ?? []).toString();
    ctrl.abort();
    const event = JSON.parse(/^data: (.*)$/m.exec(text.slice(text.indexOf('event: alias')))![1]!);

    const answers: Record<string, unknown> = {
      model: (await http(`${gw()}/v1/models/dialect`)).body,
      models: (await http(`${gw()}/v1/models?page_size=1`)).body,
      version: (await http(`${gw()}/v1/models/dialect/versions/1`)).body,
      versions: (await http(`${gw()}/v1/models/dialect/versions`)).body,
      events: (await http(`${gw()}/v1/models/dialect/alias-events`)).body,
      moved: moved.body,
      sse: event,
    };
    assert.deepEqual(Object.entries(answers).flatMap(([k, v]) => camelKeys(v, k)), []);
    const version = answers['version'] as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- asserted field by field
    assert.equal(version['status'], 'ready');
    assert.deepEqual(version['tags'], { camelCaseTag: 'kept' });
    assert.equal(version['artifacts'][0].precision, 'fp32');
    assert.equal(version['artifacts'][0].download_url, '/v1/models/dialect/versions/1/artifact?precision=fp32');
    assert.match(version['created_at'], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.doesNotMatch(JSON.stringify(answers), /file:/);
    assert.equal((answers['models'] as { next_page_token: string }).next_page_token.length > 0, true);
    assert.equal(moved.body.action, 'set');
    assert.equal(moved.body.actor, 'tests');
    assert.equal(moved.body.to_version, 1);
    assert.deepEqual(event, moved.body, 'the SSE event is the event the move answered');
  });

  it('every DELETE answers 204 without a body; FAILED_PRECONDITION (delete an aliased version) is 400', async () => {
    await uploadModel(ctx.stack.registry, 'deletable', buildMlp({ inputSize: 2, hiddenSizes: [], outputSize: 1 }), { alias: 'production' });
    const aliased = await http(`${gw()}/v1/models/deletable/versions/1`, { method: 'DELETE' });
    assert.equal(aliased.status, 400, JSON.stringify(aliased.body));
    assert.equal(aliased.body.error.code, 'FAILED_PRECONDITION');
    for (const path of ['/v1/models/deletable/aliases/production', '/v1/models/deletable/versions/1', '/v1/models/deletable']) {
      const res = await fetch(`${gw()}${path}`, { method: 'DELETE' });
      assert.equal(res.status, 204, `${path}: ${await res.text()}`);
      assert.equal(await res.text(), '');
    }
  });

  it('downloads: ETag + If-None-Match answers 304; Range answers 206 with exactly those bytes; an unsatisfiable range 416', async () => {
    const bytes = Buffer.from(buildMlp({ inputSize: 64, hiddenSizes: [64], outputSize: 4, seed: 11 }));
    await uploadModel(ctx.stack.registry, 'ranged', bytes);
    const url = `${gw()}/v1/models/ranged/versions/1/artifact`;
    const full = await fetch(url);
    assert.equal(full.status, 200);
    assert.equal(full.headers.get('accept-ranges'), 'bytes');
    const etag = full.headers.get('etag')!;
    assert.deepEqual(Buffer.from(await full.arrayBuffer()), bytes);

    const cached = await fetch(url, { headers: { 'if-none-match': etag } });
    assert.equal(cached.status, 304);
    assert.equal(cached.headers.get('etag'), etag);
    assert.equal((await cached.arrayBuffer()).byteLength, 0);
    assert.equal((await fetch(url, { headers: { 'if-none-match': '"something-else"' } })).status, 200);

    for (const [range, from, to] of [['bytes=10-19', 10, 19], [`bytes=${bytes.length - 7}-`, bytes.length - 7, bytes.length - 1], ['bytes=-5', bytes.length - 5, bytes.length - 1], [`bytes=100-${bytes.length + 1000}`, 100, bytes.length - 1]] as const) {
      const part = await fetch(url, { headers: { range } });
      assert.equal(part.status, 206, range);
      assert.equal(part.headers.get('content-range'), `bytes ${from}-${to}/${bytes.length}`);
      assert.deepEqual(Buffer.from(await part.arrayBuffer()), bytes.subarray(from, to + 1), range);
    }
    const beyond = await fetch(url, { headers: { range: `bytes=${bytes.length}-` } });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get('content-range'), `bytes */${bytes.length}`);
    assert.equal(((await beyond.json()) as { error: { field: string } }).error.field, 'range');
  });

  it('alias moves answer the event they caused, with the caller as actor', async () => {
    await uploadModel(ctx.stack.registry, 'moves', buildMlp({ inputSize: 2, hiddenSizes: [], outputSize: 1, seed: 1 }));
    await uploadModel(ctx.stack.registry, 'moves', buildMlp({ inputSize: 2, hiddenSizes: [], outputSize: 1, seed: 2 }));
    await setAlias(ctx.stack.registry, 'moves', 'production', 1);
    // Each call really moves the alias (concurrent and no-op moves are the registry's tests).
    // The actor is the name of the caller's key (a forged x-l1g1-actor is ignored).
    const results = [];
    for (let i = 0; i < 4; i++) {
      const key = await ctx.stack.createKey({ name: `w${i}`, scopes: ['write'] });
      results.push(await http(`${gw()}/v1/models/moves/aliases/production`, { method: 'PUT', json: { version: 2 - (i % 2) }, headers: { authorization: `Bearer ${key}`, 'x-l1g1-actor': 'forged' } }));
    }
    const log = (await http(`${gw()}/v1/models/moves/alias-events?page_size=100`)).body.events as { event_id: number; actor: string; to_version: number }[];
    for (const [i, r] of results.entries()) {
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.actor, `w${i}`, JSON.stringify(r.body));
      assert.equal(r.body.action, 'moved');
      assert.equal(r.body.to_version, 2 - (i % 2));
      assert.deepEqual(log.find((e) => e.event_id === r.body.event_id), r.body);
      assert.equal(r.body.changed, true);
    }
    // A move to the version the alias already has says so, and is logged as such.
    const current = results.at(-1)!.body.to_version as number;
    const noop = await http(`${gw()}/v1/models/moves/aliases/production`, { method: 'PUT', json: { version: current } });
    assert.equal(noop.status, 200, JSON.stringify(noop.body));
    assert.equal(noop.body.action, 'unchanged');
    assert.equal(noop.body.changed, false);
    assert.equal(noop.body.from_version, current);
    assert.equal(noop.body.to_version, current);
  });
});

describe('gateway edges: the README curl session', function () {
  this.timeout(60_000);
  let stack: Stack;
  before(async () => {
    stack = await startStack();
    // The demo model exactly as `npm start` registers it.
    await ensureDemoModel(stack.registryAddr, { apiKey: stack.adminKey });
  });
  const http = httpBase;
  after(async () => stack?.stop());

  it('finds the demo model by name and its version by the task tag the launcher sets', async () => {
    // The old example filtered models by `tag.task`; the launcher tags the version, not the model.
    const old = await http(`${stack.gatewayUrl}/v1/models?query=demo&tag.task=classification&page_size=10`);
    assert.deepEqual(old.body.models, []);
    const models = await http(`${stack.gatewayUrl}/v1/models?query=demo&page_size=10`);
    assert.deepEqual(models.body.models.map((m: { name: string }) => m.name), ['demo']);
    const versions = await http(`${stack.gatewayUrl}/v1/models/demo/versions?tag.task=classification&page_size=10`);
    assert.equal(versions.status, 200);
    assert.deepEqual(versions.body.versions.map((v: { version: number }) => v.version), [1]);
    assert.deepEqual(versions.body.versions[0].artifacts.map((a: { precision: string }) => a.precision).sort(), ['fp16', 'fp32', 'int8']);
  });
});
