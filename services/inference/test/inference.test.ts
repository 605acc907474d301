import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import * as ort from 'onnxruntime-node';
import { common, health, inference, registry } from '@l1g1/contracts';
import { createGrpcClient, createSilentLogger, L1g1Error, unary } from '@l1g1/kit';
import { buildDemoClassifier, buildIdentityModel } from '@l1g1/onnx';
import { loadRegistryConfig, startModelRegistry, type RunningModelRegistry } from '@l1g1/model-registry';
import { loadInferenceConfig, startInference, type RunningInference } from '@l1g1/inference';
import { adminClientOptions, uploadModel } from '../../../test/support/stack';

/**
 * An OIP client built only from the public `grpc_predict_v2.proto` with
 * @grpc/proto-loader, as a third-party client would be: none of our stubs.
 */
function publicOipClient(address: string) {
  const def = protoLoader.loadSync(resolve(__dirname, '../../../proto/inference/grpc_predict_v2.proto'), {
    keepCase: true,
    longs: Number,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    inference: { GRPCInferenceService: new (addr: string, creds: grpc.ChannelCredentials) => grpc.Client };
  };
  const client = new pkg.inference.GRPCInferenceService(address, grpc.credentials.createInsecure());
  // Dynamic client: methods are looked up by name; responses are plain objects.
  const call = <T>(method: string, req: object): Promise<T> =>
    new Promise((done, fail) => {
      (client as unknown as Record<string, (r: object, cb: (e: grpc.ServiceError | null, v: T) => void) => void>)[method]!(req, (e, v) =>
        e ? fail(e) : done(v),
      );
    });
  return { client, call };
}

describe('inference: gRPC InferenceService and OIP v2 (real registry, real workers)', function () {
  this.timeout(30_000);
  let dir: string;
  let reg: RunningModelRegistry;
  let inf: RunningInference;
  let regClient: registry.ModelRegistryServiceClient;
  let client: inference.InferenceServiceClient;
  let oip: ReturnType<typeof publicOipClient>;
  const demo = buildDemoClassifier();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'l1g1-inference-'));
    const logger = createSilentLogger();
    reg = await startModelRegistry(loadRegistryConfig({ L1G1_DATA_DIR: dir, L1G1_REGISTRY_ADDR: '127.0.0.1:0' }), { logger });
    inf = await startInference(
      loadInferenceConfig({ L1G1_DATA_DIR: dir, L1G1_INFERENCE_ADDR: '127.0.0.1:0', L1G1_INFERENCE_METRICS_PORT: '0', L1G1_REGISTRY_ADDR: reg.address }),
      { logger },
    );
    regClient = createGrpcClient(registry.ModelRegistryServiceClient, reg.address, await adminClientOptions(dir));
    client = createGrpcClient(inference.InferenceServiceClient, inf.address);
    oip = publicOipClient(inf.address);
    await uploadModel(regClient, 'demo', demo, { alias: 'production' });
    for (const dt of ['INT64', 'INT32', 'BOOL', 'BYTES', 'FP16', 'FP64', 'UINT8'] as const) {
      await uploadModel(regClient, `id-${dt.toLowerCase()}`, buildIdentityModel(dt, [2]), { alias: 'production' });
    }
  });

  after(async () => {
    oip?.client.close();
    client?.close();
    regClient?.close();
    await inf?.stop();
    await reg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('OIP ModelInfer from a client built only from the public proto: typed and raw contents', async () => {
    const live = await oip.call<{ live: boolean }>('ServerLive', {});
    assert.equal(live.live, true);
    assert.equal((await oip.call<{ ready: boolean }>('ServerReady', {})).ready, true);
    const meta = await oip.call<{ name: string; extensions: string[] }>('ServerMetadata', {});
    assert.equal(meta.name, 'l1g1');
    const mm = await oip.call<{ inputs: { name: string; datatype: string; shape: number[] }[]; versions: string[] }>('ModelMetadata', { name: 'demo' });
    assert.deepEqual(mm.inputs, [{ name: 'features', datatype: 'FP32', shape: [-1, 4] }]);
    assert.deepEqual(mm.versions, ['1']);
    assert.equal((await oip.call<{ ready: boolean }>('ModelReady', { name: 'demo', version: '1' })).ready, true);

    const x = [6.3, 3.3, 6.0, 2.5];
    const session = await ort.InferenceSession.create(Buffer.from(demo));
    const expected = [...((await session.run({ features: new ort.Tensor('float32', Float32Array.from(x), [1, 4]) }))['probabilities']!.data as Float32Array)];
    await session.release();

    type Resp = { model_name: string; model_version: string; id: string; outputs: { name: string; datatype: string; shape: number[]; contents: { fp32_contents: number[] } | null }[]; raw_output_contents: Buffer[] };
    const typed = await oip.call<Resp>('ModelInfer', {
      model_name: 'demo',
      id: 'abc',
      inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], contents: { fp32_contents: x } }],
    });
    assert.equal(typed.id, 'abc');
    assert.equal(typed.model_version, '1');
    assert.deepEqual(typed.outputs[0]!.shape, [1, 3]);
    assert.deepEqual(typed.outputs[0]!.contents!.fp32_contents, expected);

    const raw = await oip.call<Resp>('ModelInfer', {
      model_name: 'demo',
      model_version: '1',
      inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4] }],
      raw_input_contents: [Buffer.from(Float32Array.from(x).buffer)],
    });
    const out = raw.raw_output_contents[0]!;
    assert.deepEqual([0, 1, 2].map((i) => out.readFloatLE(i * 4)), expected);
  });

  it('ModelReady: NOT_FOUND for an unknown model or version, not ready for a known one that is not loaded (a probe loads nothing)', async () => {
    for (const req of [{ name: 'nope' }, { name: 'demo', version: '99' }, { name: 'demo', version: 'canary' }]) {
      await assert.rejects(oip.call('ModelReady', req), (e: grpc.ServiceError) => {
        assert.equal(e.code, grpc.status.NOT_FOUND, `${JSON.stringify(req)}: ${e.details}`);
        return true;
      });
    }
    await uploadModel(regClient, 'cold', buildIdentityModel('FP32', [2]), { alias: 'production' });
    assert.equal((await oip.call<{ ready: boolean }>('ModelReady', { name: 'cold' })).ready, false);
    const loaded = await unary(client.listLoadedModels.bind(client), {});
    assert.ok(!loaded.models.some((m) => m.modelName === 'cold'), 'the readiness probe loaded the model');
  });

  it('refuses NaN and ±Infinity in FP16/FP32/FP64 inputs in every encoding, naming the tensor and the first bad element', async () => {
    const expectNonFinite = (re: RegExp) => (e: grpc.ServiceError) => {
      assert.equal(e.code, grpc.status.INVALID_ARGUMENT, e.details);
      assert.match(e.details, re);
      return true;
    };
    // OIP raw contents (FP32): element 2 is NaN.
    const f32 = Buffer.from(Float32Array.from([5.1, 3.5, NaN, 0.2]).buffer);
    await assert.rejects(
      oip.call('ModelInfer', { model_name: 'demo', inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4] }], raw_input_contents: [f32] }),
      expectNonFinite(/inputs\[0\]\.data: input "features" has NaN at element 2; FP32 inputs must be finite/),
    );
    // OIP typed contents (FP64): element 3 is -Infinity.
    await assert.rejects(
      oip.call('ModelInfer', { model_name: 'id-fp64', inputs: [{ name: 'input', datatype: 'FP64', shape: [2, 2], contents: { fp64_contents: [1, 2, 3, -Infinity] } }] }),
      // Typed contents are refused while they are turned into raw bytes (kit's converter names the element).
      expectNonFinite(/input "input" has -Infinity at element 3|inputs\[0\]\.data\[3\]: expected a finite FP64 number, got -Infinity/),
    );
    // OIP raw FP16: 0x7c00 is +Infinity at element 1.
    await assert.rejects(
      oip.call('ModelInfer', { model_name: 'id-fp16', inputs: [{ name: 'input', datatype: 'FP16', shape: [2, 2] }], raw_input_contents: [Buffer.from(Uint16Array.from([0x3c00, 0x7c00, 0, 0]).buffer)] }),
      expectNonFinite(/input "input" has Infinity at element 1/),
    );
    // L1G1 Predict raw data.
    await assert.rejects(
      unary(client.predict.bind(client), {
        model: { name: 'demo', selector: undefined },
        precision: 0,
        inputs: [{ name: 'features', datatype: common.DataType.DATA_TYPE_FP32, shape: [1, 4], rawData: Buffer.from(Float32Array.from([1, Infinity, 1, 1]).buffer) }],
        outputNames: [],
        metadata: {},
        requestId: '',
      }),
      (e: unknown) => e instanceof L1g1Error && e.kind === 'INVALID_ARGUMENT' && e.field === 'inputs[0].data' && /has Infinity at element 1/.test(e.message),
    );
  });

  it('takes OIP datatypes only as the spec spells them', async () => {
    await assert.rejects(
      oip.call('ModelInfer', { model_name: 'demo', inputs: [{ name: 'features', datatype: 'fp32', shape: [1, 4], contents: { fp32_contents: [1, 2, 3, 4] } }] }),
      (e: grpc.ServiceError) => e.code === grpc.status.INVALID_ARGUMENT && /inputs\[0\]\.datatype: input "features" has unknown datatype "fp32"/.test(e.details),
    );
  });

  it('round-trips INT64, INT32, BOOL, BYTES, FP64, UINT8 (typed) and FP16 (raw) through OIP', async () => {
    const cases: [string, string, object, (r: { outputs: { contents: Record<string, unknown[]> }[]; raw_output_contents: Buffer[] }) => void][] = [
      ['id-int64', 'INT64', { int64_contents: [1, -2, 3000000000, 4] }, (r) => assert.deepEqual(r.outputs[0]!.contents['int64_contents'], [1, -2, 3000000000, 4])],
      ['id-int32', 'INT32', { int_contents: [1, -2, 3, 4] }, (r) => assert.deepEqual(r.outputs[0]!.contents['int_contents'], [1, -2, 3, 4])],
      ['id-bool', 'BOOL', { bool_contents: [true, false, false, true] }, (r) => assert.deepEqual(r.outputs[0]!.contents['bool_contents'], [true, false, false, true])],
      ['id-fp64', 'FP64', { fp64_contents: [0.1, 0.2, 0.3, 1e300] }, (r) => assert.deepEqual(r.outputs[0]!.contents['fp64_contents'], [0.1, 0.2, 0.3, 1e300])],
      ['id-uint8', 'UINT8', { uint_contents: [0, 1, 128, 255] }, (r) => assert.deepEqual(r.outputs[0]!.contents['uint_contents'], [0, 1, 128, 255])],
      [
        'id-bytes',
        'BYTES',
        { bytes_contents: [Buffer.from('héllo'), Buffer.from(''), Buffer.from('a'), Buffer.from('b c')] },
        (r) => assert.deepEqual((r.outputs[0]!.contents['bytes_contents'] as Buffer[]).map((b) => b.toString()), ['héllo', '', 'a', 'b c']),
      ],
    ];
    for (const [model, datatype, contents, check] of cases) {
      const r = await oip.call<Parameters<typeof check>[0]>('ModelInfer', { model_name: model, inputs: [{ name: 'input', datatype, shape: [2, 2], contents }] });
      check(r);
    }
    const halfs = Buffer.from(Uint16Array.from([0x3c00, 0xc000, 0x3800, 0x7bff]).buffer); // 1, -2, 0.5, 65504
    const r = await oip.call<{ raw_output_contents: Buffer[] }>('ModelInfer', {
      model_name: 'id-fp16',
      inputs: [{ name: 'input', datatype: 'FP16', shape: [2, 2] }],
      raw_input_contents: [halfs],
    });
    assert.deepEqual(Buffer.from(r.raw_output_contents[0]!), halfs);
    await assert.rejects(
      oip.call('ModelInfer', { model_name: 'id-fp16', inputs: [{ name: 'input', datatype: 'FP16', shape: [2, 2], contents: { fp32_contents: [1, 2, 3, 4] } }] }),
      (e: grpc.ServiceError) => e.code === grpc.status.INVALID_ARGUMENT && /raw_input_contents/.test(e.details),
    );
  });

  it('Predict with raw bytes reports the version, timing and batch size; BYTES and INT64 work too', async () => {
    const res = await unary(client.predict.bind(client), {
      model: { name: 'demo', selector: { $case: 'version', value: 1 } },
      precision: common.Precision.PRECISION_FP32,
      inputs: [{ name: 'features', datatype: common.DataType.DATA_TYPE_FP32, shape: [1, 4], rawData: Buffer.from(Float32Array.from([5, 3, 1.5, 0.2]).buffer) }],
      outputNames: [],
      metadata: { k: 'v' },
      requestId: 'req-1',
    });
    assert.equal(res.modelVersion, 1);
    assert.equal(res.requestId, 'req-1');
    assert.deepEqual(res.metadata, { k: 'v' });
    assert.equal(res.outputs[0]!.rawData.length, 12);
    // Alone in its batch: the batch is exactly this request's row, and the worker measured a run.
    assert.equal(res.timing!.batchSize, 1);
    assert.ok(res.timing!.computeUs > 0);
    const ids = Buffer.from(BigInt64Array.from([1n, 2n, -3n, 4n]).buffer);
    const r64 = await unary(client.predict.bind(client), {
      model: { name: 'id-int64', selector: undefined },
      precision: 0,
      inputs: [{ name: 'input', datatype: common.DataType.DATA_TYPE_INT64, shape: [2, 2], rawData: ids }],
      outputNames: ['output'],
      metadata: {},
      requestId: '',
    });
    assert.deepEqual(Buffer.from(r64.outputs[0]!.rawData), ids);
  });

  it('rejects bad input with INVALID_ARGUMENT naming the tensor, unknown models with NOT_FOUND', async () => {
    const base = { precision: 0, outputNames: [], metadata: {}, requestId: '' };
    const bad = async (req: Partial<inference.PredictRequest>, re: RegExp, kind = 'INVALID_ARGUMENT') =>
      assert.rejects(unary(client.predict.bind(client), { ...base, model: { name: 'demo', selector: undefined }, inputs: [], ...req }), (e: unknown) => {
        assert.ok(e instanceof L1g1Error);
        assert.equal(e.kind, kind, e.message);
        assert.match(e.message, re);
        return true;
      });
    const f32 = (shape: number[], n: number) => ({ name: 'features', datatype: common.DataType.DATA_TYPE_FP32, shape, rawData: Buffer.alloc(n * 4) });
    await bad({ inputs: [] }, /missing input "features"/);
    await bad({ inputs: [{ ...f32([1, 4], 4), name: 'other' }] }, /unknown input "other"/);
    await bad({ inputs: [{ ...f32([1, 4], 4), datatype: common.DataType.DATA_TYPE_INT32 }] }, /"features" must be FP32, got INT32/);
    await bad({ inputs: [f32([1, 3], 3)] }, /"features" has shape \[1, 3\]/);
    await bad({ inputs: [f32([2, 4], 4)] }, /"features" has 16 bytes, shape \[2, 4\] of FP32 needs 32/);
    await bad({ inputs: [f32([1, 4], 4)], outputNames: ['nope'] }, /unknown output "nope"/);
    await bad({ model: { name: '', selector: undefined } }, /model.name/);
    await bad({ model: { name: 'ghost', selector: undefined }, inputs: [f32([1, 4], 4)] }, /ghost/, 'NOT_FOUND');
    await bad({ model: { name: 'demo', selector: { $case: 'alias', value: 'canary' } }, inputs: [f32([1, 4], 4)] }, /canary/, 'NOT_FOUND');
  });

  it('survives hundreds of malformed requests and says what was wrong', async () => {
    const raw = new grpc.Client(inf.address, grpc.credentials.createInsecure());
    const codes = new Map<number, number>();
    const unexplained: string[] = [];
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 256);
    for (let i = 0; i < 300; i++) {
      const junk = Buffer.from(Array.from({ length: 1 + (i % 64) }, rand));
      const method = i % 2 ? '/l1g1.inference.v1.InferenceService/Predict' : '/inference.GRPCInferenceService/ModelInfer';
      const code = await new Promise<number>((done) => {
        raw.makeUnaryRequest(method, (b: Buffer) => b, (b: Buffer) => b, junk, (err) => {
          // Every refusal says what was wrong: the field at fault (`field: message`) or what was not found.
          if (err && !/^[\w.[\]]+: \S|not found/.test(err.details)) unexplained.push(`${grpc.status[err.code]}: ${err.details}`);
          done(err ? err.code : 0);
        });
      });
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    raw.close();
    assert.ok(!codes.has(grpc.status.INTERNAL), `INTERNAL answers: ${JSON.stringify([...codes])}`);
    assert.deepEqual(unexplained.slice(0, 5), []);
    assert.ok([...codes.keys()].every((c) => c === grpc.status.INVALID_ARGUMENT || c === grpc.status.NOT_FOUND), JSON.stringify([...codes]));
    assert.ok(!codes.has(grpc.status.UNKNOWN));
    const hc = createGrpcClient(health.HealthClient, inf.address);
    const h = await unary(hc.check.bind(hc), { service: 'l1g1.inference.v1.InferenceService' });
    hc.close();
    assert.equal(h.status, health.HealthCheckResponse_ServingStatus.SERVING);
  });
});

describe('inference: admission control over gRPC', function () {
  this.timeout(30_000);
  let dir: string;
  let reg: RunningModelRegistry;
  let inf: RunningInference;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'l1g1-admission-'));
    const logger = createSilentLogger();
    reg = await startModelRegistry(loadRegistryConfig({ L1G1_DATA_DIR: dir, L1G1_REGISTRY_ADDR: '127.0.0.1:0' }), { logger });
    inf = await startInference(
      loadInferenceConfig({
        L1G1_DATA_DIR: dir,
        L1G1_INFERENCE_ADDR: '127.0.0.1:0', L1G1_INFERENCE_METRICS_PORT: '0',
        L1G1_REGISTRY_ADDR: reg.address,
        L1G1_MAX_QUEUE_SIZE: '2',
        L1G1_MAX_QUEUE_DELAY_US: '300000',
        L1G1_MAX_BATCH_SIZE: '64',
      }),
      { logger },
    );
    const rc = createGrpcClient(registry.ModelRegistryServiceClient, reg.address, await adminClientOptions(dir));
    await uploadModel(rc, 'demo', buildDemoClassifier(), { alias: 'production' });
    rc.close();
  });

  after(async () => {
    await inf?.stop();
    await reg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers RESOURCE_EXHAUSTED with a retry-after-ms trailer when the queue is full', async () => {
    const client = createGrpcClient(inference.InferenceServiceClient, inf.address);
    const req: inference.PredictRequest = {
      model: { name: 'demo', selector: undefined },
      precision: 0,
      inputs: [{ name: 'features', datatype: common.DataType.DATA_TYPE_FP32, shape: [1, 4], rawData: Buffer.alloc(16) }],
      outputNames: [],
      metadata: {},
      requestId: '',
    };
    await unary(client.predict.bind(client), req); // load the model first
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => unary(client.predict.bind(client), req)));
    client.close();
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as L1g1Error);
    assert.ok(refused.length >= 1);
    assert.ok(refused.every((e) => e.kind === 'RESOURCE_EXHAUSTED' && e.retryAfterMs > 0), refused.map((e) => e.message).join('; '));
    assert.ok(results.some((r) => r.status === 'fulfilled'));
  });
});

describe('inference: health and server reflection', function () {
  this.timeout(30_000);

  it('lists exactly the services it serves over gRPC reflection (grpcurl-style discovery works)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1g1-reflect-'));
    const logger = createSilentLogger();
    const inf = await startInference(loadInferenceConfig({ L1G1_DATA_DIR: dir, L1G1_INFERENCE_ADDR: '127.0.0.1:0', L1G1_INFERENCE_METRICS_PORT: '0', L1G1_REGISTRY_ADDR: '127.0.0.1:1' }), { logger });
    try {
      const def = protoLoader.loadSync(require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto'), { keepCase: true, defaults: true, oneofs: true });
      const pkg = grpc.loadPackageDefinition(def) as unknown as {
        grpc: { reflection: { v1: { ServerReflection: new (a: string, c: grpc.ChannelCredentials) => grpc.Client } } };
      };
      const client = new pkg.grpc.reflection.v1.ServerReflection(inf.address, grpc.credentials.createInsecure());
      const stream = (client as unknown as { ServerReflectionInfo: () => grpc.ClientDuplexStream<object, { list_services_response?: { service: { name: string }[] } }> }).ServerReflectionInfo();
      const names = await new Promise<string[]>((done, fail) => {
        stream.on('data', (m: { list_services_response?: { service: { name: string }[] } }) => {
          done((m.list_services_response?.service ?? []).map((s) => s.name));
          stream.end();
        });
        stream.on('error', fail);
        stream.write({ list_services: '' });
      });
      client.close();
      assert.deepEqual(names.sort(), ['grpc.health.v1.Health', 'inference.GRPCInferenceService', 'l1g1.inference.v1.InferenceService']);
    } finally {
      await inf.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
