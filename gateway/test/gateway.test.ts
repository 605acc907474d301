import { strict as assert } from 'node:assert';
import { readdirSync, existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { SpanKind } from '@opentelemetry/api';
import { inference } from '@l1g1/contracts';
import { createGrpcClient, createSilentLogger, unary } from '@l1g1/kit';
import { buildDemoClassifier, buildMlp } from '@l1g1/onnx';
import { buildGateway, createGatewayAuth, createUpstreams, loadGatewayConfig, startGateway } from '@l1g1/gateway';
import { spanExporter } from '../../test/support/telemetry';
import { http, setAlias, startStack, uploadModel, useDemoStack, type Stack } from '../../test/support/stack';

const MLP = { inputSize: 8, hiddenSizes: [16], outputSize: 3, softmax: false };

/** Polls `ok` until it holds; fails the test after `ms`. */
async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A TCP relay to `target` that counts the bytes sent towards it. */
async function startCountingRelay(target: string): Promise<{ address: string; bytesToUpstream(): number; close(): Promise<void> }> {
  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  let sent = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(port, host);
    sockets.add(client).add(upstream);
    client.on('data', (chunk: Buffer) => {
      sent += chunk.length;
    });
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${addr.port}`,
    bytesToUpstream: () => sent,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function blobCount(dataDir: string): number {
  const root = join(dataDir, 'registry', 'blobs', 'sha256');
  if (!existsSync(root)) return 0;
  return readdirSync(root).reduce((n, d) => n + readdirSync(join(root, d)).length, 0);
}

describe('gateway: REST + SSE in front of registry and inference (real servers)', function () {
  let stack: Stack;
  let modelBytes: Uint8Array;

  before(async () => {
    stack = await startStack({
      gatewayEnv: { L1G1_MAX_BODY_BYTES: String(256 * 1024), L1G1_MAX_UPLOAD_BYTES: String(4 * 1024 * 1024), L1G1_SSE_HEARTBEAT_MS: '50' },
    });
    modelBytes = buildDemoClassifier();
    await uploadModel(stack.registry, 'demo', modelBytes, { alias: 'production' });
  });

  after(async () => {
    await stack?.stop();
  });

  it('REST predict equals an in-process ORT run, and one trace spans gateway -> inference -> registry -> worker', async () => {
    spanExporter.reset();
    const features = [5.9, 3.0, 5.1, 1.8, 5.1, 3.5, 1.4, 0.2];
    const res = await http(`${stack.gatewayUrl}/v1/models/demo:predict`, {
      method: 'POST',
      json: { inputs: [{ name: 'features', datatype: 'FP32', shape: [2, 4], data: features }], metadata: { source: 'test' } },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const session = await ort.InferenceSession.create(Buffer.from(modelBytes));
    const expected = (await session.run({ features: new ort.Tensor('float32', Float32Array.from(features), [2, 4]) }))['probabilities']!;
    await session.release();
    const out = res.body.outputs[0];
    assert.equal(out.name, 'probabilities');
    assert.deepEqual(out.shape, [2, 3]);
    assert.deepEqual(out.data, [...(expected.data as Float32Array)]);
    assert.equal(res.body.model_version, 1);
    assert.deepEqual(res.body.metadata, { source: 'test' });
    // The request's two rows ran as one batch, and the worker measured that run.
    assert.equal(res.body.timing.batch_size, 2);
    assert.ok(res.body.timing.compute_us > 0);

    // Spans are exported when they end; the server spans end just after the reply.
    await new Promise((r) => setTimeout(r, 100));
    const spans = spanExporter.getFinishedSpans();
    const edge = spans.find((s) => s.kind === SpanKind.SERVER && /predict/.test(String(s.attributes['http.target'] ?? s.attributes['url.path'] ?? s.name)));
    assert.ok(edge, `no HTTP server span among: ${spans.map((s) => s.name).join(', ')}`);
    const traceId = edge.spanContext().traceId;
    const inTrace = spans.filter((s) => s.spanContext().traceId === traceId).map((s) => `${s.name}:${s.kind}`);
    const has = (re: RegExp, kind: SpanKind) => inTrace.some((n) => re.test(n) && n.endsWith(`:${kind}`));
    assert.ok(has(/InferenceService\/Predict/, SpanKind.SERVER), `inference span missing: ${inTrace.join(', ')}`);
    assert.ok(has(/ModelRegistryService\/ResolveModel/, SpanKind.SERVER), `registry span missing: ${inTrace.join(', ')}`);
    assert.ok(inTrace.some((n) => n.startsWith('ort.run')), `worker span missing: ${inTrace.join(', ')}`);
  });

  it('answers 404 for an unknown model and 400 naming the tensor for a wrong dtype or shape', async () => {
    const unknown = await http(`${stack.gatewayUrl}/v1/models/nope:predict`, {
      method: 'POST',
      json: { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] },
    });
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.error.message, /nope/);

    const dtype = await http(`${stack.gatewayUrl}/v1/models/demo:predict`, {
      method: 'POST',
      json: { inputs: [{ name: 'features', datatype: 'FP64', shape: [1, 4], data: [1, 2, 3, 4] }] },
    });
    assert.equal(dtype.status, 400);
    assert.match(dtype.body.error.message, /"features" must be FP32, got FP64/);
    assert.equal(dtype.body.error.field, 'inputs[0].datatype');

    const shape = await http(`${stack.gatewayUrl}/v1/models/demo:predict`, {
      method: 'POST',
      json: { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 5], data: [1, 2, 3, 4, 5] }] },
    });
    assert.equal(shape.status, 400);
    assert.match(shape.body.error.message, /"features" has shape \[1, 5\], the model expects \[-1, 4\]/);

    const count = await http(`${stack.gatewayUrl}/v1/models/demo:predict`, {
      method: 'POST',
      json: { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3] }] },
    });
    assert.equal(count.status, 400);
    assert.equal(count.body.error.field, 'inputs[0].data');

    const badJson = await http(`${stack.gatewayUrl}/v1/models/demo:predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"inputs": [' });
    assert.equal(badJson.status, 400);
  });

  it('answers 413 for a body over the limit', async () => {
    const big = new Array(100_000).fill(0.5);
    const res = await http(`${stack.gatewayUrl}/v1/models/demo:predict`, {
      method: 'POST',
      json: { inputs: [{ name: 'features', datatype: 'FP32', shape: [25_000, 4], data: big }] },
    });
    assert.equal(res.status, 413);
  });

  it('uploads a version over REST, downloads the same bytes, and refuses a non-ONNX artifact without storing anything', async () => {
    const bytes = buildMlp({ ...MLP, seed: 5 });
    const up = await http(`${stack.gatewayUrl}/v1/models/rest-upload/versions?create_model=true&description=first`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', ...stack.authHeaders },
      body: Buffer.from(bytes),
    });
    assert.equal(up.status, 201, JSON.stringify(up.body));
    assert.equal(up.body.version, 1);
    assert.equal(up.body.artifacts[0].signature.inputs[0].name, 'input');
    const down = await fetch(`${stack.gatewayUrl}/v1/models/rest-upload/versions/1/artifact`);
    assert.equal(down.status, 200);
    assert.deepEqual(Buffer.from(await down.arrayBuffer()), Buffer.from(bytes));
    assert.equal(down.headers.get('x-l1g1-sha256'), up.body.artifacts[0].sha256);

    const blobsBefore = blobCount(stack.dataDir);
    const bad = await http(`${stack.gatewayUrl}/v1/models/rest-upload/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', ...stack.authHeaders },
      body: Buffer.from('this is not an onnx model, just text'),
    });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /ONNX/i);
    const versions = await http(`${stack.gatewayUrl}/v1/models/rest-upload/versions`);
    assert.equal(versions.body.versions.length, 1);
    assert.equal(blobCount(stack.dataDir), blobsBefore);
  });

  it('an upload cut mid-stream, after the registry has received part of it, leaves no version and no blob', async function () {
    this.timeout(30_000);
    // A second gateway reaches the registry through a byte-counting TCP relay,
    // so the test cuts only once the registry is receiving: a gateway that
    // buffered the whole body first would never get there.
    const relay = await startCountingRelay(stack.registryAddr);
    const gw = await startGateway(
      loadGatewayConfig({ L1G1_DATA_DIR: stack.dataDir, L1G1_GATEWAY_PORT: '0', L1G1_REGISTRY_ADDR: relay.address, L1G1_INFERENCE_ADDR: stack.inferenceAddr, L1G1_MAX_UPLOAD_BYTES: String(8 * 1024 * 1024) }),
      { logger: createSilentLogger() },
    );
    try {
      assert.equal((await http(`${gw.url}/v1/models`, { method: 'POST', json: { name: 'cut-upload' }, headers: stack.authHeaders })).status, 201);
      const bytes = Buffer.from(buildMlp({ inputSize: 1024, hiddenSizes: [512], outputSize: 4, seed: 9 }));
      const blobsBefore = blobCount(stack.dataDir);
      const sentBefore = relay.bytesToUpstream();
      const half = bytes.length / 2;
      const req = httpRequest(`${gw.url}/v1/models/cut-upload/versions`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length), ...stack.authHeaders },
      });
      const settled = new Promise<void>((resolve) => {
        req.on('error', () => resolve());
        req.on('response', (res) => {
          res.resume();
          res.on('end', resolve);
        });
      });
      req.write(bytes.subarray(0, half));
      await until('the registry receives the first half', () => relay.bytesToUpstream() - sentBefore >= half * 0.9, 10_000);
      req.destroy();
      await settled;
      await until('the registry drops the partial upload', () => readdirSync(join(stack.dataDir, 'registry', 'blobs', 'tmp')).length === 0, 10_000);
      const versions = await http(`${gw.url}/v1/models/cut-upload/versions`);
      assert.equal(versions.status, 200);
      assert.deepEqual(versions.body.versions, []);
      assert.equal(blobCount(stack.dataDir), blobsBefore);
    } finally {
      await gw.stop();
      await relay.close();
    }
  });

  it('moving an alias under a stream of requests: no request fails and the answers switch versions', async function () {
    this.timeout(30_000);
    await uploadModel(stack.registry, 'swap', buildMlp({ ...MLP, seed: 1 }), { alias: 'production' });
    await uploadModel(stack.registry, 'swap', buildMlp({ ...MLP, seed: 2 }));
    const body = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 8], data: [1, 2, 3, 4, 5, 6, 7, 8] }] };
    const seen: number[] = [];
    const failures: string[] = [];
    let moved = false;
    let afterSwitch = 0;
    const deadline = Date.now() + 15_000;
    const loop = async () => {
      while (Date.now() < deadline && afterSwitch < 40 && seen.length < 5000) {
        const res = await http(`${stack.gatewayUrl}/v1/models/swap:predict`, { method: 'POST', json: body });
        if (res.status !== 200) failures.push(`${res.status} ${JSON.stringify(res.body)}`);
        else {
          seen.push(res.body.model_version);
          if (moved && res.body.model_version === 2) afterSwitch++;
        }
      }
    };
    const loops = [loop(), loop(), loop(), loop()];
    while (seen.length < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await setAlias(stack.registry, 'swap', 'production', 2);
    moved = true;
    await Promise.all(loops);
    assert.deepEqual(failures, []);
    assert.equal(seen[0], 1);
    assert.equal(seen[seen.length - 1], 2);
    // Once switched, it stays switched.
    const firstTwo = seen.indexOf(2);
    assert.ok(seen.slice(firstTwo).every((v) => v === 2), 'answers went back to the old version');
  });

  it('serves a precision variant when asked and says which', async () => {
    const v = await uploadModel(stack.registry, 'variants', buildMlp({ ...MLP, seed: 4 }), { alias: 'production' });
    await uploadModel(stack.registry, 'variants', buildMlp({ ...MLP, seed: 4, precision: 'fp16' }), { version: v.version, precision: 2 });
    const body = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 8], data: [1, 2, 3, 4, 5, 6, 7, 8] }] };
    const fp16 = await http(`${stack.gatewayUrl}/v1/models/variants:predict`, { method: 'POST', json: { ...body, precision: 'fp16' } });
    assert.equal(fp16.status, 200, JSON.stringify(fp16.body));
    assert.equal(fp16.body.precision, 'fp16');
    const fp32 = await http(`${stack.gatewayUrl}/v1/models/variants:predict`, { method: 'POST', json: body });
    fp32.body.outputs[0].data.forEach((x: number, i: number) => assert.ok(Math.abs(x - fp16.body.outputs[0].data[i]) < 1e-2));
    const int8 = await http(`${stack.gatewayUrl}/v1/models/variants:predict`, { method: 'POST', json: { ...body, precision: 'int8' } });
    assert.equal(int8.status, 404);
    assert.match(int8.body.error.message, /int8 variant .* \(available: fp32, fp16\)/);
  });

  it('OIP v2 REST: health, metadata, JSON infer, binary-data infer, version by number', async () => {
    assert.equal((await http(`${stack.gatewayUrl}/v2/health/live`)).status, 200);
    assert.deepEqual((await http(`${stack.gatewayUrl}/v2/health/ready`)).body, { ready: true });
    const meta = await http(`${stack.gatewayUrl}/v2/models/demo`);
    assert.equal(meta.status, 200);
    assert.deepEqual(meta.body.inputs, [{ name: 'features', datatype: 'FP32', shape: [-1, 4] }]);
    assert.equal((await http(`${stack.gatewayUrl}/v2/models/demo/ready`)).status, 200);
    assert.equal((await http(`${stack.gatewayUrl}/v2/models/nope/ready`)).status, 404);

    const json = await http(`${stack.gatewayUrl}/v2/models/demo/versions/1/infer`, {
      method: 'POST',
      json: { id: 'r1', inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], data: [[5.1, 3.5, 1.4, 0.2]] }] },
    });
    assert.equal(json.status, 200, JSON.stringify(json.body));
    assert.equal(json.body.id, 'r1');
    assert.equal(json.body.model_version, '1');
    const probs: number[] = json.body.outputs[0].data;
    assert.equal(probs.length, 3);
    assert.ok(Math.abs(probs.reduce((a, b) => a + b, 0) - 1) < 1e-5);

    const header = Buffer.from(JSON.stringify({
      inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], parameters: { binary_data_size: 16 } }],
      outputs: [{ name: 'probabilities', parameters: { binary_data: true } }],
    }));
    const res = await fetch(`${stack.gatewayUrl}/v2/models/demo/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) },
      body: Buffer.concat([header, Buffer.from(Float32Array.from([5.1, 3.5, 1.4, 0.2]).buffer)]),
    });
    assert.equal(res.status, 200);
    const raw = Buffer.from(await res.arrayBuffer());
    const headerLen = Number(res.headers.get('inference-header-content-length'));
    const head = JSON.parse(raw.subarray(0, headerLen).toString());
    assert.equal(head.outputs[0].parameters.binary_data_size, 12);
    const bin = raw.subarray(headerLen);
    const values = [0, 1, 2].map((i) => bin.readFloatLE(i * 4));
    values.forEach((v, i) => assert.ok(Math.abs(v - probs[i]!) < 1e-6));

    const bad = await http(`${stack.gatewayUrl}/v2/models/demo/infer`, {
      method: 'POST',
      json: { inputs: [{ name: 'wrong', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] },
    });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /unknown input "wrong"/);
  });

  it('SSE: an unknown model is a 404 naming the model parameter, before any stream opens', async () => {
    const res = await http(`${stack.gatewayUrl}/v1/events/aliases?model=never-created`);
    assert.equal(res.status, 404);
    assert.equal(res.body.error.field, 'model');
    assert.match(res.body.error.message, /never-created/);
  });

  it('SSE: streams alias changes with ids, heartbeats, and resumes after Last-Event-ID', async function () {
    this.timeout(15_000);
    await uploadModel(stack.registry, 'watched', buildMlp({ ...MLP, seed: 6 }));
    await uploadModel(stack.registry, 'watched', buildMlp({ ...MLP, seed: 7 }));
    const ctrl = new AbortController();
    const res = await fetch(`${stack.gatewayUrl}/v1/events/aliases?model=watched`, { signal: ctrl.signal });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    const readUntil = async (re: RegExp) => {
      const until = Date.now() + 5000;
      while (!re.test(text) && Date.now() < until) {
        const { value, done } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString();
      }
    };
    await readUntil(/watching/);
    await setAlias(stack.registry, 'watched', 'staging', 1);
    await setAlias(stack.registry, 'watched', 'staging', 2);
    await readUntil(/"to_version":2/);
    await readUntil(/: heartbeat \d+/);
    ctrl.abort();
    assert.match(text, /^: heartbeat \d+$/m);
    const events = text.split('\n\n').filter((b) => b.includes('event: alias'));
    assert.equal(events.length, 2, text);
    const ids = events.map((e) => Number(/^id: (\d+)$/m.exec(e)![1]));
    const first = JSON.parse(/^data: (.*)$/m.exec(events[0]!)![1]!);
    assert.equal(first.action, 'set');
    // The audit actor is the name of the key that moved the alias (the stack's admin key).
    assert.equal(first.actor, 'tests');

    // Resume: only what came after the given id is replayed.
    const ctrl2 = new AbortController();
    const res2 = await fetch(`${stack.gatewayUrl}/v1/events/aliases?model=watched`, { signal: ctrl2.signal, headers: { 'last-event-id': String(ids[0]) } });
    const reader2 = res2.body!.getReader();
    let text2 = '';
    const until = Date.now() + 5000;
    while (!/"to_version":2/.test(text2) && Date.now() < until) {
      const { value, done } = await reader2.read();
      if (done) break;
      text2 += Buffer.from(value).toString();
    }
    ctrl2.abort();
    assert.equal(text2.split('\n\n').filter((b) => b.includes('event: alias')).length, 1, text2);
    assert.match(text2, new RegExp(`^id: ${ids[1]}$`, 'm'));

    const badResume = await http(`${stack.gatewayUrl}/v1/events/aliases`, { headers: { 'last-event-id': 'abc' } });
    assert.equal(badResume.status, 400);
  });

  it('registry CRUD over REST with clear errors', async () => {
    const created = await http(`${stack.gatewayUrl}/v1/models`, { method: 'POST', json: { name: 'crud', description: 'x', tags: { team: 'a' } }, headers: stack.authHeaders });
    assert.equal(created.status, 201);
    const dup = await http(`${stack.gatewayUrl}/v1/models`, { method: 'POST', json: { name: 'crud' }, headers: stack.authHeaders });
    assert.equal(dup.status, 409);
    const badName = await http(`${stack.gatewayUrl}/v1/models`, { method: 'POST', json: { name: 'Bad Name!' }, headers: stack.authHeaders });
    assert.equal(badName.status, 400);
    assert.match(JSON.stringify(badName.body.error), /name/);
    const badTags = await http(`${stack.gatewayUrl}/v1/models`, { method: 'POST', json: { name: 'crud2', tags: { a: 1 } }, headers: stack.authHeaders });
    assert.equal(badTags.status, 400);
    assert.equal(badTags.body.error.field, 'tags.a');
    const list = await http(`${stack.gatewayUrl}/v1/models?tag.team=a`);
    assert.deepEqual(list.body.models.map((m: { name: string }) => m.name), ['crud']);
    const alias = await http(`${stack.gatewayUrl}/v1/models/demo/aliases/staging`, { method: 'PUT', json: { version: 'x' }, headers: stack.authHeaders });
    assert.equal(alias.status, 400);
    assert.equal(alias.body.error.field, 'version');
    const events = await http(`${stack.gatewayUrl}/v1/models/demo/alias-events`);
    assert.equal(events.status, 200);
    assert.ok(events.body.events.length >= 1);
    assert.equal((await http(`${stack.gatewayUrl}/v1/models/crud`, { method: 'DELETE', headers: stack.authHeaders })).status, 204);
    assert.equal((await http(`${stack.gatewayUrl}/v1/nothing-here`)).status, 404);
  });

  it('exposes Prometheus metrics and an OpenAPI document that covers every route', async () => {
    const metrics = await fetch(`${stack.gatewayUrl}/metrics`);
    const text = await metrics.text();
    assert.match(text, /l1g1_gateway_http_requests_total\{route="\/v1\/models\/:name\(\^\[\^\/:\]\+\)::predict",method="POST",status="200"\}/);
    assert.match(text, /l1g1_gateway_breaker_open\{upstream="inference"\} 0/);
    const inferenceText = await (await fetch(stack.inferenceMetricsUrl!)).text();
    assert.match(inferenceText, /l1g1_inference_requests_total\{model="demo",version="1",precision="fp32"\} [1-9]/);
    assert.match(inferenceText, /l1g1_inference_batch_size_bucket\{le="1",model="demo",version="1",precision="fp32"\}/);
    assert.match(inferenceText, /l1g1_inference_loaded_models [1-9]/);

    const routes: string[] = [];
    const config = loadGatewayConfig({ L1G1_DATA_DIR: stack.dataDir });
    const upstreams = createUpstreams(config);
    const auth = await createGatewayAuth(config);
    const app = buildGateway({ config, upstreams, logger: createSilentLogger(), auth, onRoute: (m, u) => routes.push(`${m} ${u}`) });
    await app.ready();
    await app.close();
    upstreams.close();
    auth.keys.close();
    const doc = (await http(`${stack.gatewayUrl}/openapi.json`)).body;
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).filter((k) => k !== 'parameters').map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1').replace(':name:predict', ':name(^[^/:]+)::predict').replace(/:(job_id|gate_id):(\w+)$/, ':$1(^[^/:]+)::$2')}`),
    );
    assert.deepEqual([...new Set(routes)].sort(), documented.sort());
  });
});

describe('gateway: admission control', function () {
  const ctx = useDemoStack({ inferenceEnv: { L1G1_MAX_QUEUE_SIZE: '1', L1G1_MAX_QUEUE_DELAY_US: '300000', L1G1_MAX_BATCH_SIZE: '64' } });

  it('a full queue answers 429 with Retry-After (REST) and RESOURCE_EXHAUSTED (gRPC)', async () => {
    const body = { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] };
    // Warm the model so that loading does not serialize the burst.
    assert.equal((await http(`${ctx.stack.gatewayUrl}/v1/models/demo:predict`, { method: 'POST', json: body })).status, 200);
    const results = await Promise.all(Array.from({ length: 6 }, () => http(`${ctx.stack.gatewayUrl}/v1/models/demo:predict`, { method: 'POST', json: body })));
    const refused = results.filter((r) => r.status === 429);
    assert.ok(refused.length >= 1, `statuses: ${results.map((r) => r.status).join(',')}`);
    assert.ok(results.some((r) => r.status === 200));
    assert.ok(Number(refused[0]!.headers.get('retry-after')) >= 1);
    assert.equal(refused[0]!.body.error.code, 'RESOURCE_EXHAUSTED');
    assert.ok(results.every((r) => r.status === 200 || r.status === 429));
    const metrics = await (await fetch(ctx.stack.inferenceMetricsUrl!)).text();
    assert.match(metrics, new RegExp(`l1g1_inference_refused_total\\{model="demo",version="1",precision="fp32",reason="queue_full"\\} ${refused.length}`));
  });
});

describe('gateway: in-flight bound per upstream', function () {
  const ctx = useDemoStack({
    // Requests wait 300 ms in the batcher; the gateway lets 2 be in flight.
    inferenceEnv: { L1G1_MAX_QUEUE_DELAY_US: '300000', L1G1_MAX_BATCH_SIZE: '64' },
    gatewayEnv: { L1G1_MAX_INFLIGHT: '2' },
  });

  it('refuses the excess at once with 429 + Retry-After, and the breaker stays closed', async () => {
    const body = { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] };
    assert.equal((await http(`${ctx.stack.gatewayUrl}/v1/models/demo:predict`, { method: 'POST', json: body })).status, 200);
    const results = await Promise.all(Array.from({ length: 8 }, () => http(`${ctx.stack.gatewayUrl}/v1/models/demo:predict`, { method: 'POST', json: body })));
    const refused = results.filter((r) => r.status === 429);
    assert.equal(results.filter((r) => r.status === 200).length, 2, `statuses: ${results.map((r) => r.status).join(',')}`);
    assert.equal(refused.length, 6);
    assert.ok(refused.every((r) => r.body.error.reason === 'GATEWAY_OVERLOADED' && Number(r.headers.get('retry-after')) >= 1));
    // How fast refusals come back is measured by bench:serve, not asserted here.
    assert.equal((await http(`${ctx.stack.gatewayUrl}/readyz`)).body.breakers.inference, 'closed');
  });
});

describe('gateway: upstream deadline', function () {
  const ctx = useDemoStack({
    // The batcher holds requests for 400 ms; the gateway gives predict calls 100 ms.
    inferenceEnv: { L1G1_MAX_QUEUE_DELAY_US: '400000', L1G1_MAX_BATCH_SIZE: '64' },
    gatewayEnv: { L1G1_PREDICT_TIMEOUT_MS: '100' },
  });

  it('answers 504 when the upstream does not answer within its deadline', async () => {
    const client = createGrpcClient(inference.InferenceServiceClient, ctx.stack.inferenceAddr, { identity: { apiKey: ctx.stack.adminKey } });
    await unary(client.loadModel.bind(client), { model: { name: 'demo', selector: undefined }, precision: 0 });
    const res = await http(`${ctx.stack.gatewayUrl}/v1/models/demo:predict`, {
      method: 'POST',
      json: { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] },
    });
    assert.equal(res.status, 504, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'DEADLINE_EXCEEDED');
    // A deadline the gRPC transport enforced: a stable message, not grpc-js's text with timings and addresses.
    assert.equal(res.body.error.message, 'inference service did not answer in time');
    // The abandoned request left the inference queue without being run.
    await new Promise((r) => setTimeout(r, 500));
    const loaded = await unary(client.listLoadedModels.bind(client), {});
    client.close();
    assert.equal(loaded.models[0]!.batcher!.requests, 1);
    assert.equal(loaded.models[0]!.batcher!.batches, 0);
  });
});

describe('gateway: malformed requests', function () {
  this.timeout(60_000);
  const ctx = useDemoStack();

  /**
   * What an error answer must say: `/v1` → `{"error":{code,reason,message,field}}`
   * with the field named in the message for a 400; `/v2` → `{"error":"<message>"}`.
   * Returns a complaint, or '' when the answer is right.
   */
  const judge = (path: string, status: number, text: string, field?: string): string => {
    if (status >= 500) return `${status} (a server fault for a client's mistake): ${text}`;
    if (status < 400) return '';
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return `not JSON: ${text}`;
    }
    const e = (body as { error?: unknown }).error;
    if (path.startsWith('/v2')) {
      if (typeof e !== 'string' || e.length === 0) return `no {"error": "<message>"}: ${text}`;
      if (field && !e.includes(field)) return `message does not name ${field}: ${text}`;
      if (status === 400 && !/^[\w.[\]-]+: /.test(e)) return `400 message does not start with the field: ${text}`;
      return '';
    }
    const o = e as { code?: unknown; reason?: unknown; message?: unknown; field?: unknown } | undefined;
    if (!o || typeof o.code !== 'string' || typeof o.reason !== 'string' || typeof o.message !== 'string' || o.message.length === 0) return `no error object: ${text}`;
    if (status === 400 || status === 413 || status === 414 || status === 415) {
      if (typeof o.field !== 'string' || o.field === '') return `no field: ${text}`;
      if (!o.message.includes(o.field)) return `message does not name its field ${o.field}: ${text}`;
    }
    if (field && o.field !== field) return `field is ${String(o.field)}, expected ${field}: ${text}`;
    return '';
  };

  it('hundreds of malformed requests: no crash, no 5xx, every answer says what was wrong', async () => {
    const routes: [string, string][] = [
      ['POST', '/v1/models/demo:predict'],
      ['POST', '/v2/models/demo/infer'],
      ['POST', '/v1/models'],
      ['PATCH', '/v1/models/demo'],
      ['PUT', '/v1/models/demo/aliases/production'],
      ['PATCH', '/v1/models/demo/versions/1'],
      ['GET', '/v1/models?page_size=abc'],
      ['GET', '/v1/models/demo/versions?page_token=%%%'],
      ['GET', '/v1/models/demo/versions/0'],
      ['POST', '/v2/models/demo/versions/x/infer'],
      ['POST', '/v1/keys'],
      ['DELETE', '/v1/keys/not*an*id'],
    ];
    const bodies: string[] = [
      '',
      'null',
      '[]',
      '"x"',
      '{',
      '{"inputs":null}',
      '{"inputs":[{}]}',
      '{"inputs":[{"name":"features","datatype":"FP99","shape":[1,4],"data":[1,2,3,4]}]}',
      '{"inputs":[{"name":"features","datatype":"FP32","shape":"1,4","data":[1,2,3,4]}]}',
      '{"inputs":[{"name":"features","datatype":"FP32","shape":[1,4],"data":["a","b","c","d"]}]}',
      '{"inputs":[{"name":"features","datatype":"FP32","shape":[1e9,1e9],"data":[]}]}',
      '{"inputs":[{"name":"features","datatype":"FP32","shape":[-1,4],"data":[]}]}',
      '{"name":42,"tags":[1]}',
      '{"version":-3}',
      '{"__proto__":{"polluted":true},"inputs":[]}',
      '{"inputs":[{"name":"features","datatype":"BYTES","shape":[1],"data":[1]}]}',
    ];
    const failures: string[] = [];
    let n = 0;
    for (let round = 0; round < 2; round++) {
      for (const [method, path] of routes) {
        for (const body of bodies) {
          n++;
          const res = await fetch(`${ctx.stack.gatewayUrl}${path}`, {
            method,
            // With the admin key: the bodies, not the missing key, are under test.
            headers: { 'content-type': 'application/json', ...ctx.stack.authHeaders },
            ...(method === 'GET' ? {} : { body }),
          });
          const complaint = judge(path, res.status, await res.text());
          if (complaint) failures.push(`${method} ${path} ${body} -> ${complaint}`);
        }
      }
    }
    assert.ok(n >= 300);
    assert.deepEqual(failures, []);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    const ok = await http(`${ctx.stack.gatewayUrl}/v1/models/demo:predict`, {
      method: 'POST',
      json: { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] },
    });
    assert.equal(ok.status, 200);
  });

  it('every route in /openapi.json: bad path segments, queries, headers, bodies and content types get a 4xx naming the field', async () => {
    type Param = { name: string; in: string; schema?: { type?: string | string[]; enum?: unknown[]; maximum?: number } };
    // One past the largest value the parameter documents (int32 unless it says more).
    const pastMax = (p: Param) => String(BigInt(p.schema?.maximum ?? 2147483647) + 1n);
    type Op = { parameters?: Param[]; requestBody?: { content: Record<string, unknown> } };
    const doc = (await http(`${ctx.stack.gatewayUrl}/openapi.json`)).body as { paths: Record<string, Record<string, Op | Param[]>> };
    // Routes that take no input at all: nothing to get wrong.
    const inputless = new Set(['/healthz', '/readyz', '/metrics', '/openapi.json', '/v2', '/v2/health/live', '/v2/health/ready']);
    const inputlessOps = new Set(['GET /v1/keys']);
    const valid: Record<string, string> = { name: 'demo', version: '1', alias: 'staging', precision: 'fp16' };
    const deep = `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const failures: string[] = [];
    const covered = new Map<string, number>();
    let n = 0;
    for (const [template, ops] of Object.entries(doc.paths)) {
      if (inputless.has(template)) continue;
      const shared = (ops['parameters'] as Param[] | undefined) ?? [];
      for (const [method, opValue] of Object.entries(ops)) {
        if (method === 'parameters') continue;
        const op = opValue as Op;
        const params = [...shared, ...(op.parameters ?? [])];
        const key = `${method.toUpperCase()} ${template}`;
        const isUpload = op.requestBody?.content['application/octet-stream'] !== undefined && op.requestBody?.content['application/json'] === undefined;
        const goodBody = isUpload ? { 'content-type': 'application/octet-stream', body: 'not onnx' } : op.requestBody ? { 'content-type': 'application/json', body: '{}' } : undefined;
        const build = (path: Record<string, string> = {}, query = '') => template.replace(/\{(\w+)\}/g, (_m, k: string) => path[k] ?? valid[k] ?? 'x') + query;
        const cases: { url: string; headers?: Record<string, string>; body?: string; field: string }[] = [];
        for (const p of params.filter((x) => x.in === 'path')) {
          cases.push({ url: build({ [p.name]: 'x'.repeat(300) }), field: 'url' });
          cases.push({ url: build({ [p.name]: 'a%ZZ' }), field: 'url' });
          if (p.schema?.type === 'integer') {
            cases.push({ url: build({ [p.name]: pastMax(p) }), field: p.name });
            cases.push({ url: build({ [p.name]: 'abc' }), field: p.name });
          }
        }
        for (const p of params.filter((x) => x.in === 'query')) {
          const bad = p.schema?.type === 'integer' ? ['abc', pastMax(p), '-1'] : p.schema?.type === 'boolean' ? ['maybe'] : p.schema?.enum ? ['FP99'] : [];
          const extra = p.name === 'dataset_snapshot' ? '&dataset=d' : '';
          for (const v of bad) cases.push({ url: build({}, `?${p.name}=${v}${extra}`), field: p.name });
        }
        for (const p of params.filter((x) => x.in === 'header' && x.schema?.type === 'integer')) {
          cases.push({ url: build(), headers: { [p.name]: 'abc' }, field: p.name });
        }
        if (op.requestBody?.content['application/json']) {
          for (const body of ['{', '[]', '"x"', deep]) cases.push({ url: build(), headers: { 'content-type': 'application/json' }, body, field: 'body' });
          cases.push({ url: build(), headers: { 'content-type': 'text/xml' }, body: '<x/>', field: 'content-type' });
        }
        if (isUpload) cases.push({ url: build(), headers: { 'content-type': 'application/json' }, body: '{}', field: 'content-type' });
        for (const c of cases) {
          n++;
          // With the admin key: the inputs, not the missing key, are under test (auth.test.ts tests keys).
          const headers = { ...ctx.stack.authHeaders, ...(goodBody && c.body === undefined ? { 'content-type': goodBody['content-type'] } : {}), ...c.headers };
          const body = c.body ?? goodBody?.body;
          const res = await fetch(`${ctx.stack.gatewayUrl}${c.url}`, { method: method.toUpperCase(), headers, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(5000) }).catch((err: unknown) => err as Error);
          if (res instanceof Error) {
            failures.push(`${method.toUpperCase()} ${c.url.slice(0, 80)} ${JSON.stringify(c.headers ?? {})} ${(c.body ?? '').slice(0, 20)} -> no answer: ${res.message}`);
            continue;
          }
          const text = await res.text().catch(() => `<no complete answer within 5 s; status ${res.status}>`);
          const complaint = res.status < 400 ? `${res.status}: the mistake went unnoticed` : judge(c.url, res.status, text, c.field);
          if (complaint) failures.push(`${method.toUpperCase()} ${c.url.slice(0, 80)} ${JSON.stringify(c.headers ?? {})} ${(c.body ?? '').slice(0, 20)} -> ${complaint.slice(0, 300)}`);
          covered.set(key, (covered.get(key) ?? 0) + 1);
        }
        if (!covered.has(key) && !inputlessOps.has(key)) failures.push(`${key}: no malformed case generated`);
      }
    }
    assert.ok(n >= 100, `only ${n} cases`);
    assert.deepEqual(failures, []);
    assert.equal((await http(`${ctx.stack.gatewayUrl}/readyz`)).body.ready, true);
  });
});
