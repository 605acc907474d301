import { strict as assert } from 'node:assert';
import { resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { inference, registry } from '@l1g1/contracts';
import { createGrpcClient, forwardedPrincipalMetadata, L1g1Error, servicePrincipal, unary } from '@l1g1/kit';
import { buildMlp, type MlpOptions } from '@l1g1/onnx';
import { bearer, http, startStack, uploadModel, type Stack } from '../../test/support/stack';

const MLP: MlpOptions = { inputSize: 4, hiddenSizes: [8], outputSize: 3, seed: 3, softmax: true, inputName: 'features', outputName: 'probabilities' };
const PREDICT_BODY = { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] }] };

const uploadOver = (stack: Stack, model: string, headers: Record<string, string>) =>
  http(`${stack.gatewayUrl}/v1/models/${model}/versions?create_model=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', ...headers },
    body: Buffer.from(buildMlp({ ...MLP })),
  });

async function rejection(p: Promise<unknown>): Promise<L1g1Error> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof L1g1Error, String(err));
    return err;
  }
  assert.fail('expected the call to fail');
}

/** A KServe OIP client from the public proto only (a third party's), sending `metadata` with each call. */
function stockOipInfer(address: string, metadata: grpc.Metadata): Promise<{ outputs: { name: string }[] }> {
  const def = protoLoader.loadSync(resolve(__dirname, '../../proto/inference/grpc_predict_v2.proto'), { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { inference: { GRPCInferenceService: new (a: string, c: grpc.ChannelCredentials) => grpc.Client } };
  const client = new pkg.inference.GRPCInferenceService(address, grpc.credentials.createInsecure());
  const request = { model_name: 'demo', inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], contents: { fp32_contents: [5.1, 3.5, 1.4, 0.2] } }] };
  return new Promise((done, fail) => {
    (client as unknown as Record<string, (r: object, m: grpc.Metadata, cb: (e: grpc.ServiceError | null, v: { outputs: { name: string }[] }) => void) => void>)['ModelInfer']!(
      request,
      metadata,
      (e, v) => {
        client.close();
        if (e) fail(e);
        else done(v);
      },
    );
  });
}

describe('auth: API keys, scopes, model patterns, rate limits (gateway on loopback, anonymous reads allowed)', function () {
  this.timeout(60_000);
  let stack: Stack;

  before(async () => {
    stack = await startStack({ sharedEnv: { L1G1_AUTH_CACHE_TTL_MS: '200' } });
    await uploadModel(stack.registry, 'demo', buildMlp({ ...MLP }), { alias: 'production' });
  });
  after(async () => {
    await stack?.stop();
  });

  it('refuses writes without a key (401, WWW-Authenticate: Bearer) or with a made-up one, while reads and predicts pass on loopback', async () => {
    const noKey = await uploadOver(stack, 'nokey', {});
    assert.equal(noKey.status, 401, JSON.stringify(noKey.body));
    assert.equal(noKey.headers.get('www-authenticate'), 'Bearer');
    assert.equal(noKey.body.error.code, 'UNAUTHENTICATED');
    assert.equal(noKey.body.error.field, 'authorization');
    const madeUp = await uploadOver(stack, 'nokey', bearer('l1g1_AAAAAAAAAAAA_' + 'A'.repeat(43)));
    assert.equal(madeUp.status, 401);
    const garbage = await http(`${stack.gatewayUrl}/v1/models`, { method: 'POST', json: { name: 'x' }, headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    assert.equal(garbage.status, 401);
    const alias = await http(`${stack.gatewayUrl}/v1/models/demo/aliases/production`, { method: 'PUT', json: { version: 1 } });
    assert.equal(alias.status, 401);
    const del = await http(`${stack.gatewayUrl}/v1/models/demo`, { method: 'DELETE', headers: { 'x-l1g1-actor': 'admin' } });
    assert.equal(del.status, 401);
    assert.equal((await http(`${stack.gatewayUrl}/v1/models/nokey`, { headers: stack.authHeaders })).status, 404, 'nothing was created');

    assert.equal((await http(`${stack.gatewayUrl}/v1/models/demo`)).status, 200);
    assert.equal((await http(`${stack.gatewayUrl}/v1/models/demo:predict`, { method: 'POST', json: PREDICT_BODY })).status, 200);
    // OIP routes answer auth failures in their own error shape.
    const v2 = await http(`${stack.gatewayUrl}/v2/models/demo/infer`, { method: 'POST', json: PREDICT_BODY, headers: { authorization: 'Bearer nope' } });
    assert.equal(v2.status, 401);
    assert.equal(typeof v2.body.error, 'string');
  });

  it('a read-only key can read but not upload (403 naming the missing scope)', async () => {
    const key = await stack.createKey({ name: 'reader', scopes: ['read'] });
    assert.equal((await http(`${stack.gatewayUrl}/v1/models/demo`, { headers: bearer(key) })).status, 200);
    const up = await uploadOver(stack, 'by-reader', bearer(key));
    assert.equal(up.status, 403, JSON.stringify(up.body));
    assert.equal(up.body.error.reason, 'MISSING_SCOPE');
    assert.match(up.body.error.message, /"write"/);
    const keys = await http(`${stack.gatewayUrl}/v1/keys`, { headers: bearer(key) });
    assert.equal(keys.status, 403, 'key routes need admin');
  });

  it('a key limited to team-a-* works on team-a models and is refused on others, also over an alias reference', async () => {
    const key = await stack.createKey({ name: 'team-a-ci', scopes: ['write', 'predict'], modelPatterns: ['team-a-*'] });
    assert.equal((await uploadOver(stack, 'team-a-clf', bearer(key))).status, 201);
    const other = await uploadOver(stack, 'team-b-clf', bearer(key));
    assert.equal(other.status, 403, JSON.stringify(other.body));
    assert.equal(other.body.error.reason, 'MODEL_NOT_ALLOWED');
    const predictOther = await http(`${stack.gatewayUrl}/v1/models/demo@production:predict`, { method: 'POST', json: PREDICT_BODY, headers: bearer(key) });
    assert.equal(predictOther.status, 403);
    const setAlias = await http(`${stack.gatewayUrl}/v1/models/team-a-clf/aliases/production`, { method: 'PUT', json: { version: 1 }, headers: bearer(key) });
    assert.equal(setAlias.status, 200, JSON.stringify(setAlias.body));
    const predictOwn = await http(`${stack.gatewayUrl}/v1/models/team-a-clf@production:predict`, { method: 'POST', json: PREDICT_BODY, headers: bearer(key) });
    assert.equal(predictOwn.status, 200, JSON.stringify(predictOwn.body));

    // The same key straight on the registry's gRPC port: uploads (client streams) are checked too.
    const direct = createGrpcClient(registry.ModelRegistryServiceClient, stack.registryAddr, { identity: { apiKey: key } });
    try {
      const refused = await rejection(uploadModel(direct, 'team-b-direct', buildMlp({ ...MLP })));
      assert.equal(refused.kind, 'PERMISSION_DENIED');
      assert.equal(refused.reason, 'MODEL_NOT_ALLOWED');
      assert.equal((await uploadModel(direct, 'team-a-direct', buildMlp({ ...MLP }))).version, 1);
      assert.equal((await rejection(unary(direct.getModel.bind(direct), { name: 'demo' }))).kind, 'PERMISSION_DENIED');
    } finally {
      direct.close();
    }
    assert.equal((await http(`${stack.gatewayUrl}/v1/models/team-b-direct`)).status, 404, 'nothing was created for team b');
  });

  it('a key limited to team-b-* sees only team-b models in lists, the repository index and the alias feed', async () => {
    const admin = stack.authHeaders;
    assert.equal((await uploadOver(stack, 'team-b-seen', admin)).status, 201);
    assert.equal((await uploadOver(stack, 'other-unseen', admin)).status, 201);
    const key = await stack.createKey({ name: 'team-b-reader', scopes: ['read', 'predict'], modelPatterns: ['team-b-*'] });
    const list = await http(`${stack.gatewayUrl}/v1/models?page_size=100`, { headers: bearer(key) });
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.models.map((m: { name: string }) => m.name), ['team-b-seen']);
    assert.ok((await http(`${stack.gatewayUrl}/v1/models?page_size=100`, { headers: admin })).body.models.some((m: { name: string }) => m.name === 'other-unseen'));
    const index = await http(`${stack.gatewayUrl}/v2/repository/index`, { method: 'POST', headers: bearer(key) });
    assert.equal(index.status, 200);
    assert.ok(index.body.every((m: { name: string }) => m.name.startsWith('team-b-')), JSON.stringify(index.body));
    // The alias feed without a model filter: only team-b events reach this key.
    const ctrl = new AbortController();
    const sse = await fetch(`${stack.gatewayUrl}/v1/events/aliases`, { headers: bearer(key), signal: ctrl.signal });
    assert.equal(sse.status, 200);
    for (const model of ['other-unseen', 'team-b-seen']) {
      assert.equal((await http(`${stack.gatewayUrl}/v1/models/${model}/aliases/production`, { method: 'PUT', json: { version: 1 }, headers: admin })).status, 200);
    }
    const reader = sse.body!.getReader();
    let text = '';
    while (!text.includes('team-b-seen')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString('utf8');
    }
    ctrl.abort();
    assert.match(text, /"model_name":"team-b-seen"/);
    assert.doesNotMatch(text, /other-unseen/);
  });

  it('records the key name as the audit actor, whatever x-l1g1-actor claims', async () => {
    const key = await stack.createKey({ name: 'release-bot', scopes: ['write'] });
    assert.equal((await uploadOver(stack, 'audited', stack.authHeaders)).status, 201);
    const moved = await http(`${stack.gatewayUrl}/v1/models/audited/aliases/production`, {
      method: 'PUT',
      json: { version: 1 },
      headers: { ...bearer(key), 'x-l1g1-actor': 'mallory' },
    });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    const events = await http(`${stack.gatewayUrl}/v1/models/audited/alias-events`);
    const actors = (events.body.events as { actor: string }[]).map((e) => e.actor);
    assert.deepEqual(actors, ['release-bot']);
  });

  it('creates (key shown once), lists (never the secret) and revokes keys; a revoked key is refused within the cache TTL', async () => {
    const created = await http(`${stack.gatewayUrl}/v1/keys`, { method: 'POST', json: { name: 'short-lived', scopes: ['write'], model_patterns: ['tmp-*'], qps: 50 }, headers: stack.authHeaders });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const key: string = created.body.key;
    assert.match(key, /^l1g1_[A-Za-z0-9-]{12}_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual([created.body.name, created.body.scopes, created.body.model_patterns, created.body.qps], ['short-lived', ['write'], ['tmp-*'], 50]);
    assert.ok(!Number.isNaN(Date.parse(created.body.created_at)));

    const listed = await http(`${stack.gatewayUrl}/v1/keys`, { headers: stack.authHeaders });
    assert.equal(listed.status, 200);
    const secret = key.slice('l1g1_'.length + 13); // the id has no '_', the secret may
    assert.ok(!JSON.stringify(listed.body).includes(secret), 'the secret never appears in a listing');
    const entry = (listed.body.keys as { id: string; name: string; key?: string }[]).find((k) => k.name === 'short-lived');
    assert.ok(entry && entry.key === undefined);

    assert.equal((await uploadOver(stack, 'tmp-one', bearer(key))).status, 201);
    // Used over gRPC too, so the registry holds the key in its own cache when it is revoked.
    const client = createGrpcClient(registry.ModelRegistryServiceClient, stack.registryAddr, { identity: { apiKey: key } });
    await unary(client.listModels.bind(client), { page: undefined, query: '', tags: {} });
    const del = await http(`${stack.gatewayUrl}/v1/keys/${entry.id}`, { method: 'DELETE', headers: stack.authHeaders });
    assert.equal(del.status, 204);
    assert.equal(del.body, undefined);
    // The registry caches keys too (TTL 200 ms here): bounded polling until every process refuses it.
    let gw = 0;
    let grpcKind = '';
    for (let i = 0; i < 50 && (gw !== 401 || grpcKind !== 'UNAUTHENTICATED'); i++) {
      gw = (await uploadOver(stack, 'tmp-two', bearer(key))).status;
      grpcKind = (await rejection(unary(client.createModel.bind(client), { name: 'tmp-three', description: '', task: '', tags: {} })).catch((e: unknown) => e as L1g1Error)).kind;
      if (gw !== 401 || grpcKind !== 'UNAUTHENTICATED') await new Promise((r) => setTimeout(r, 100));
    }
    client.close();
    assert.equal(gw, 401);
    assert.equal(grpcKind, 'UNAUTHENTICATED');
    assert.equal((await http(`${stack.gatewayUrl}/v1/keys/${entry.id}`, { method: 'DELETE', headers: stack.authHeaders })).status, 404, 'already revoked');
  });

  it('answers 400 naming the field for bad key bodies and ids', async () => {
    const cases: [unknown, string][] = [
      [{ scopes: ['read'] }, 'name'],
      [{ name: 'has space', scopes: ['read'] }, 'name'],
      [{ name: 'ok' }, 'scopes'],
      [{ name: 'ok', scopes: [] }, 'scopes'],
      [{ name: 'ok', scopes: ['read', 'root'] }, 'scopes[1]'],
      [{ name: 'ok', scopes: ['read'], model_patterns: 'a-*' }, 'model_patterns'],
      [{ name: 'ok', scopes: ['read'], model_patterns: ['a/b'] }, 'model_patterns[0]'],
      [{ name: 'ok', scopes: ['read'], qps: -1 }, 'qps'],
      [{ name: 'ok', scopes: ['read'], qps: 2147483648000 }, 'qps'],
      [{ name: 'ok', scopes: ['read'], qps: '5' }, 'qps'],
      [[1, 2], 'body'],
    ];
    for (const [json, field] of cases) {
      const res = await http(`${stack.gatewayUrl}/v1/keys`, { method: 'POST', json, headers: stack.authHeaders });
      assert.equal(res.status, 400, `${JSON.stringify(json)} -> ${res.status} ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.field, field, JSON.stringify(res.body));
      assert.match(res.body.error.message, new RegExp(field.replace(/[[\]]/g, '\\$&')));
    }
    for (const id of ['short', 'x'.repeat(40), 'bad_id_here!']) {
      const res = await http(`${stack.gatewayUrl}/v1/keys/${encodeURIComponent(id)}`, { method: 'DELETE', headers: stack.authHeaders });
      assert.equal(res.status, 400, `${id} -> ${res.status}`);
      assert.equal(res.body.error.field, 'id');
    }
  });

  it('limits a key to its QPS: 429 with Retry-After and RateLimit-* headers, decided before the body is read', async () => {
    const key = await stack.createKey({ name: 'slow', scopes: ['predict'], qps: 1 });
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await http(`${stack.gatewayUrl}/v1/models/demo:predict`, { method: 'POST', json: PREDICT_BODY, headers: bearer(key) }));
    assert.equal(results[0]!.status, 200);
    assert.equal(results[0]!.headers.get('ratelimit-limit'), '1');
    const refused = results.filter((r) => r.status === 429);
    assert.ok(refused.length >= 1, results.map((r) => r.status).join(','));
    for (const r of refused) {
      assert.equal(r.body.error.reason, 'RATE_LIMITED');
      assert.ok(Number(r.headers.get('retry-after')) >= 1);
      assert.equal(r.headers.get('ratelimit-limit'), '1');
      assert.equal(r.headers.get('ratelimit-remaining'), '0');
      assert.ok(Number(r.headers.get('ratelimit-reset')) >= 1);
    }
    // A malformed body is refused by the limit, not parsed: the limit is decided first.
    const bad = await http(`${stack.gatewayUrl}/v1/models/demo:predict`, { method: 'POST', headers: { ...bearer(key), 'content-type': 'application/json' }, body: '{"inputs": [' });
    assert.equal(bad.status, 429);
    // Another key is not affected.
    assert.equal((await http(`${stack.gatewayUrl}/v1/models/demo:predict`, { method: 'POST', json: PREDICT_BODY, headers: stack.authHeaders })).status, 200);
  });

  it('gRPC: writes without a key are UNAUTHENTICATED, a predict-only key gets PERMISSION_DENIED, a forged x-l1g1-principal is refused', async () => {
    const anon = createGrpcClient(registry.ModelRegistryServiceClient, stack.registryAddr);
    const noKey = await rejection(unary(anon.setAlias.bind(anon), { modelName: 'demo', alias: 'staging', version: 1 }));
    assert.equal(noKey.kind, 'UNAUTHENTICATED');
    const forged = await rejection(
      unary(anon.setAlias.bind(anon), { modelName: 'demo', alias: 'staging', version: 1 }, {
        metadata: forwardedPrincipalMetadata(servicePrincipal('gateway-impostor', ['admin']), 'not-the-suite-secret'),
      }),
    );
    assert.equal(forged.kind, 'UNAUTHENTICATED');
    assert.equal(forged.reason, 'INVALID_FORWARDED_PRINCIPAL');
    // Reads stay open on loopback.
    assert.equal((await unary(anon.getModel.bind(anon), { name: 'demo' })).name, 'demo');
    anon.close();

    const predictKey = await stack.createKey({ name: 'predictor', scopes: ['predict'] });
    const inf = createGrpcClient(inference.InferenceServiceClient, stack.inferenceAddr, { identity: { apiKey: predictKey } });
    const denied = await rejection(unary(inf.loadModel.bind(inf), { model: { name: 'demo', selector: undefined }, precision: 0 }));
    assert.equal(denied.kind, 'PERMISSION_DENIED');
    inf.close();
    const events = await http(`${stack.gatewayUrl}/v1/models/demo/alias-events`);
    assert.ok(!(events.body.events as { alias: string }[]).some((e) => e.alias === 'staging'), 'nothing was moved');
  });
});

describe('auth: anonymous access switched off (L1G1_ALLOW_ANONYMOUS=false) and per-model QPS', function () {
  this.timeout(60_000);
  let stack: Stack;

  before(async () => {
    stack = await startStack({ sharedEnv: { L1G1_ALLOW_ANONYMOUS: 'false' }, gatewayEnv: { L1G1_MODEL_QPS: '1' } });
    await uploadModel(stack.registry, 'demo', buildMlp({ ...MLP }), { alias: 'production' });
  });
  after(async () => {
    await stack?.stop();
  });

  it('reads need a key; probes and the API description stay public', async () => {
    assert.equal((await http(`${stack.gatewayUrl}/v1/models`)).status, 401);
    assert.equal((await http(`${stack.gatewayUrl}/v1/models`, { headers: stack.authHeaders })).status, 200);
    for (const path of ['/healthz', '/readyz', '/openapi.json', '/metrics', '/v2/health/live', '/v2/health/ready']) {
      assert.equal((await http(`${stack.gatewayUrl}${path}`)).status, 200, path);
    }
  });

  it('a stock OIP client works by adding one authorization header, and is refused without it', async () => {
    const none = await stockOipInfer(stack.inferenceAddr, new grpc.Metadata()).then(
      () => undefined,
      (e: grpc.ServiceError) => e.code,
    );
    assert.equal(none, grpc.status.UNAUTHENTICATED);
    const key = await stack.createKey({ name: 'oip-client', scopes: ['predict'] });
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${key}`);
    const res = await stockOipInfer(stack.inferenceAddr, md);
    assert.equal(res.outputs[0]!.name, 'probabilities');
  });

  it('limits a key to its QPS over gRPC too: RESOURCE_EXHAUSTED with a retry-after-ms trailer', async () => {
    const key = await stack.createKey({ name: 'grpc-slow', scopes: ['predict'], qps: 1 });
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${key}`);
    const errors: grpc.ServiceError[] = [];
    for (let i = 0; i < 3; i++) await stockOipInfer(stack.inferenceAddr, md).catch((e: grpc.ServiceError) => errors.push(e));
    assert.ok(errors.length >= 1, 'no call was refused');
    for (const e of errors) {
      assert.equal(e.code, grpc.status.RESOURCE_EXHAUSTED, e.message);
      assert.ok(Number(e.metadata.get('retry-after-ms')[0]) > 0);
    }
  });

  it('limits predictions per model across keys (L1G1_MODEL_QPS)', async () => {
    const a = await stack.createKey({ name: 'a', scopes: ['predict'] });
    const b = await stack.createKey({ name: 'b', scopes: ['predict'] });
    const statuses = [];
    for (const key of [a, b, a, b]) {
      statuses.push((await http(`${stack.gatewayUrl}/v1/models/demo:predict`, { method: 'POST', json: PREDICT_BODY, headers: bearer(key) })).status);
    }
    assert.equal(statuses[0], 200);
    assert.ok(statuses.includes(429), statuses.join(','));
  });
});
