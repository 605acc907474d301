import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { common, inference, registry } from '@l1g1/contracts';
import { createGrpcClient, createSilentLogger, L1g1Error, unary } from '@l1g1/kit';
import { buildMlp } from '@l1g1/onnx';
import { loadRegistryConfig, startModelRegistry, type RunningModelRegistry } from '@l1g1/model-registry';
import { loadInferenceConfig, startInference, type RunningInference } from '@l1g1/inference';
import { spanExporter } from '../../../test/support/telemetry';
import { adminClientOptions, uploadModel } from '../../../test/support/stack';

const MLP = { inputSize: 8, hiddenSizes: [64], outputSize: 3, softmax: false };

function predictRequest(name: string, version?: number, rows = 1): inference.PredictRequest {
  return {
    model: { name, selector: version ? { $case: 'version', value: version } : undefined },
    precision: common.Precision.PRECISION_FP32,
    inputs: [{ name: 'input', datatype: common.DataType.DATA_TYPE_FP32, shape: [rows, 8], rawData: Buffer.from(new Float32Array(8 * rows).fill(0.5).buffer) }],
    outputNames: [],
    metadata: {},
    requestId: '',
  };
}

/** Polls `check` (at most `tries` times, 50 ms apart): for effects that follow a reply asynchronously. */
async function eventually(check: () => boolean | Promise<boolean>, tries = 100): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

describe('inference: bounded model memory (real registry, real workers)', function () {
  this.timeout(60_000);
  let dir: string;
  let reg: RunningModelRegistry;
  let inf: RunningInference;
  let regClient: registry.ModelRegistryServiceClient;
  let client: inference.InferenceServiceClient;
  const models = [1, 2, 3].map((seed) => buildMlp({ ...MLP, seed }));
  const size = models[0]!.byteLength;

  before(async () => {
    assert.ok(models.every((m) => m.byteLength === size), 'the three models have the same size');
    dir = mkdtempSync(join(tmpdir(), 'l1g1-memory-'));
    const logger = createSilentLogger();
    reg = await startModelRegistry(loadRegistryConfig({ L1G1_DATA_DIR: dir, L1G1_REGISTRY_ADDR: '127.0.0.1:0' }), { logger });
    inf = await startInference(
      loadInferenceConfig({
        L1G1_DATA_DIR: dir,
        L1G1_INFERENCE_ADDR: '127.0.0.1:0',
        L1G1_INFERENCE_METRICS_PORT: '0',
        L1G1_REGISTRY_ADDR: reg.address,
        // Room for two of the three models.
        L1G1_INFERENCE_MAX_LOADED_BYTES: String(Math.floor(size * 2.5)),
        // And room for two artifact files on disk.
        L1G1_INFERENCE_CACHE_MAX_BYTES: String(Math.floor(size * 2.5)),
        L1G1_INFERENCE_CACHE_SWEEP_MS: '200',
      }),
      { logger },
    );
    regClient = createGrpcClient(registry.ModelRegistryServiceClient, reg.address, await adminClientOptions(dir));
    client = createGrpcClient(inference.InferenceServiceClient, inf.address, await adminClientOptions(dir));
    for (const [i, bytes] of models.entries()) await uploadModel(regClient, `m${i + 1}`, bytes, { alias: 'production' });
  });

  after(async () => {
    client?.close();
    regClient?.close();
    await inf?.stop();
    await reg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const loadedNames = async () => (await unary(client.listLoadedModels.bind(client), {})).models.map((m) => m.modelName).sort();
  const metrics = async () => (await fetch(`${inf.metricsUrl}`)).text();

  it('loads 3 models under a budget for 2: the least recently used unloads, metrics say so, a request to it reloads it', async () => {
    await unary(client.predict.bind(client), predictRequest('m1'));
    await unary(client.predict.bind(client), predictRequest('m2'));
    await unary(client.predict.bind(client), predictRequest('m1')); // m2 is now the least recently used
    await unary(client.predict.bind(client), predictRequest('m3'));
    assert.deepEqual(await loadedNames(), ['m1', 'm3']);
    let text = await metrics();
    assert.match(text, /^l1g1_inference_loaded_models 2$/m);
    assert.match(text, new RegExp(`^l1g1_inference_loaded_bytes ${2 * size}$`, 'm'));
    assert.match(text, /^l1g1_inference_model_unloads_total\{model="m2",version="1",precision="fp32",reason="lru"\} 1$/m);

    const again = await unary(client.predict.bind(client), predictRequest('m2'));
    assert.equal(again.modelName, 'm2');
    assert.deepEqual(await loadedNames(), ['m2', 'm3']);
    text = await metrics();
    assert.match(text, /^l1g1_inference_model_unloads_total\{model="m1",version="1",precision="fp32",reason="lru"\} 1$/m);
    // The artifact cache kept within its byte bound too (the least recently used file left).
    const files = readdirSync(join(dir, 'inference', 'cache')).filter((f) => f.endsWith('.onnx'));
    assert.equal(files.length, 2, files.join(', '));
  });

  it('refuses a model bigger than the whole budget with FAILED_PRECONDITION saying so', async () => {
    await uploadModel(regClient, 'huge', buildMlp({ ...MLP, hiddenSizes: [512], seed: 9 }), { alias: 'production' });
    await assert.rejects(unary(client.predict.bind(client), predictRequest('huge')), (err: unknown) => {
      assert.ok(err instanceof L1g1Error);
      assert.equal(err.kind, 'FAILED_PRECONDITION');
      assert.equal(err.reason, 'MODEL_TOO_LARGE');
      assert.match(err.message, /huge version 1 \(fp32\) is \d+ bytes, more than the inference service may hold loaded in total/);
      return true;
    });
    assert.ok(!(await loadedNames()).includes('huge'));
  });

  it('removes the cache file of a deleted version (and keeps the files of live ones)', async () => {
    const cacheDir = join(dir, 'inference', 'cache');
    const gone = await uploadModel(regClient, 'gone', buildMlp({ ...MLP, seed: 21 }));
    const sha = gone.artifacts[0]!.sha256;
    await unary(client.predict.bind(client), predictRequest('gone', gone.version));
    assert.ok(existsSync(join(cacheDir, `${sha}.onnx`)), 'the artifact was cached on first load');
    const liveFiles = readdirSync(cacheDir).filter((f) => f.endsWith('.onnx') && !f.startsWith(sha));

    await unary(regClient.deleteVersion.bind(regClient), { modelName: 'gone', version: gone.version });
    // Unloading (here on request; eviction and idle time do the same) sweeps the cache.
    await unary(client.unloadModel.bind(client), { modelName: 'gone', version: 0 });
    assert.ok(await eventually(() => !existsSync(join(cacheDir, `${sha}.onnx`))), 'cache file of the deleted version is still there');
    for (const f of liveFiles) assert.ok(existsSync(join(cacheDir, f)), `live file ${f} was removed`);
  });

  it('removes the cache file of an archived version on the periodic sweep, unloading it', async () => {
    const cacheDir = join(dir, 'inference', 'cache');
    const old = await uploadModel(regClient, 'retired', buildMlp({ ...MLP, seed: 31 }));
    const sha = old.artifacts[0]!.sha256;
    await unary(client.predict.bind(client), predictRequest('retired', old.version));
    assert.ok(existsSync(join(cacheDir, `${sha}.onnx`)));

    await unary(regClient.archiveVersion.bind(regClient), { modelName: 'retired', version: old.version });
    // No unload here: the sweep (every L1G1_INFERENCE_CACHE_SWEEP_MS) finds it and unloads it too.
    assert.ok(await eventually(() => !existsSync(join(cacheDir, `${sha}.onnx`))), 'cache file of the archived version is still there');
    assert.ok(!(await loadedNames()).includes('retired'));
    // Counted once its workers have stopped (just after the file went).
    const counted = /^l1g1_inference_model_unloads_total\{model="retired",version="1",precision="fp32",reason="deleted"\} 1$/m;
    assert.ok(await eventually(async () => counted.test(await metrics())), 'no unload counted with reason "deleted"');
  });

  it('creates the ort.run span from the worker\'s own timestamps, as a child of the Predict span', async () => {
    spanExporter.reset();
    const res = await unary(client.predict.bind(client), predictRequest('m3', undefined, 3));
    assert.equal(res.timing!.batchSize, 3);
    let run: ReturnType<typeof spanExporter.getFinishedSpans>[number] | undefined;
    let server: typeof run;
    await eventually(() => {
      const spans = spanExporter.getFinishedSpans();
      run = spans.find((s) => s.name === 'ort.run');
      server = spans.find((s) => s.kind === SpanKind.SERVER && /InferenceService\/Predict/.test(s.name));
      return !!run && !!server;
    });
    assert.ok(run && server, 'ort.run and the Predict server span were exported');
    assert.equal(run.parentSpanContext?.spanId, server.spanContext().spanId);
    assert.equal(run.spanContext().traceId, server.spanContext().traceId);
    // The span's length is the worker's measured compute time (same clock, µs rounding).
    const durationUs = run.duration[0] * 1e6 + run.duration[1] / 1e3;
    assert.ok(Math.abs(durationUs - res.timing!.computeUs) <= 2, `span ${durationUs} µs vs compute_us ${res.timing!.computeUs}`);
    assert.equal(run.attributes['l1g1.batch_size'], 3);
    assert.equal(run.attributes['l1g1.compute_us'], res.timing!.computeUs);
  });
});

describe('inference: idle unload and models in use (real registry, real workers)', function () {
  this.timeout(60_000);
  let dir: string;
  let reg: RunningModelRegistry;
  let inf: RunningInference;
  let regClient: registry.ModelRegistryServiceClient;
  let client: inference.InferenceServiceClient;
  const size = buildMlp({ ...MLP, seed: 1 }).byteLength;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'l1g1-idle-'));
    const logger = createSilentLogger();
    reg = await startModelRegistry(loadRegistryConfig({ L1G1_DATA_DIR: dir, L1G1_REGISTRY_ADDR: '127.0.0.1:0' }), { logger });
    inf = await startInference(
      loadInferenceConfig({
        L1G1_DATA_DIR: dir,
        L1G1_INFERENCE_ADDR: '127.0.0.1:0',
        L1G1_INFERENCE_METRICS_PORT: '-1',
        L1G1_REGISTRY_ADDR: reg.address,
        L1G1_INFERENCE_MAX_LOADED_BYTES: String(Math.floor(size * 2.5)),
        L1G1_INFERENCE_MODEL_IDLE_MS: '1500',
        // A partial batch waits 1 s to fill: a request stays in flight that long.
        L1G1_MAX_QUEUE_DELAY_US: '1000000',
        L1G1_MAX_BATCH_SIZE: '64',
      }),
      { logger },
    );
    regClient = createGrpcClient(registry.ModelRegistryServiceClient, reg.address, await adminClientOptions(dir));
    client = createGrpcClient(inference.InferenceServiceClient, inf.address, await adminClientOptions(dir));
    for (const seed of [1, 2, 3]) await uploadModel(regClient, `s${seed}`, buildMlp({ ...MLP, seed }), { alias: 'production' });
  });

  after(async () => {
    client?.close();
    regClient?.close();
    await inf?.stop();
    await reg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const loadedNames = async () => (await unary(client.listLoadedModels.bind(client), {})).models.map((m) => `${m.modelName}${m.aliases.length ? '@' : '/'}${m.version}`).sort();

  it('unloads a model idle past L1G1_INFERENCE_MODEL_IDLE_MS, but keeps one an alias routes to', async () => {
    await unary(client.loadModel.bind(client), { model: { name: 's1', selector: { $case: 'version', value: 1 } }, precision: 0 });
    await unary(client.loadModel.bind(client), { model: { name: 's2', selector: undefined }, precision: 0 });
    assert.deepEqual(await loadedNames(), ['s1/1', 's2@1']);
    assert.ok(await eventually(async () => !(await loadedNames()).includes('s1/1')), 'the idle pinned model stayed loaded');
    assert.deepEqual(await loadedNames(), ['s2@1']);
  });

  it('never tears down a model serving a request: with no room left, loading another is refused with a retry hint', async () => {
    // s2 is loaded (alias); fill the budget with s3, then hold requests on both.
    await unary(client.loadModel.bind(client), { model: { name: 's3', selector: undefined }, precision: 0 });
    const held = [unary(client.predict.bind(client), predictRequest('s2')), unary(client.predict.bind(client), predictRequest('s3'))];
    await new Promise((r) => setTimeout(r, 50)); // let both reach their batchers
    await assert.rejects(unary(client.predict.bind(client), predictRequest('s1')), (err: unknown) => {
      assert.ok(err instanceof L1g1Error);
      assert.equal(err.kind, 'RESOURCE_EXHAUSTED', err.message);
      assert.equal(err.reason, 'MODEL_MEMORY_BUSY');
      assert.ok(err.retryAfterMs > 0);
      return true;
    });
    const answers = await Promise.all(held);
    assert.deepEqual(answers.map((a) => a.modelName), ['s2', 's3']);
    // Once they are answered, s1 gets its room.
    assert.equal((await unary(client.predict.bind(client), predictRequest('s1'))).modelName, 's1');
  });
});
