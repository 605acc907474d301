import { strict as assert } from 'node:assert';
import { Metadata } from '@grpc/grpc-js';
import { common, inference, oip, registry, variantUsabilityTags } from '@l1g1/contracts';
import { createGrpcClient, fromServiceError, L1g1Error, unary } from '@l1g1/kit';
import { buildDemoClassifier } from '@l1g1/onnx';
import { http, startStack, uploadModel, type Stack } from '../../../test/support/stack';

const { PRECISION_FP32: FP32, PRECISION_FP16: FP16, PRECISION_INT8: INT8 } = common.Precision;
const ROW = Buffer.from(Float32Array.from([6.3, 3.3, 6.0, 2.5]).buffer);

/**
 * Variant usability (issue 9): the evaluator records on the registry version
 * whether an fp16/int8 variant stays within its accuracy bound of fp32; the
 * inference service refuses a variant marked not usable, warns on one never
 * checked, and serves a refused one only when the request allows it.
 */
describe('inference: fp16/int8 variants are served according to the usability the registry records', function () {
  this.timeout(30_000);
  let stack: Stack;
  let regClient: registry.ModelRegistryServiceClient;
  let client: inference.InferenceServiceClient;
  let oipClient: oip.GRPCInferenceServiceClient;

  before(async () => {
    // TTL 0: every request reads the version's tags, so a decision recorded by the test applies at once.
    stack = await startStack({ inferenceEnv: { L1G1_INFERENCE_VARIANT_POLICY_TTL_MS: '0' } });
    regClient = stack.registry;
    client = createGrpcClient(inference.InferenceServiceClient, stack.inferenceAddr);
    oipClient = createGrpcClient(oip.GRPCInferenceServiceClient, stack.inferenceAddr);
    const demo = buildDemoClassifier();
    await uploadModel(regClient, 'demo', demo, { alias: 'production' });
    await uploadModel(regClient, 'demo', demo, { version: 1, precision: FP16 });
    await uploadModel(regClient, 'demo', demo, { version: 1, precision: INT8 });
  });

  after(async () => {
    client?.close();
    oipClient?.close();
    await stack?.stop();
  });

  async function record(precision: 'fp16' | 'int8', usable: boolean, reason: string): Promise<void> {
    await unary(regClient.updateVersion.bind(regClient), { modelName: 'demo', version: 1, tags: variantUsabilityTags(precision, usable, reason), metrics: {} });
  }

  /** Predict, keeping the response header metadata (where the warning travels). */
  function predict(precision: common.Precision, allow = false): Promise<{ res: inference.PredictResponse; warning: string | undefined }> {
    const md = new Metadata();
    if (allow) md.set('l1g1-allow-unusable-variant', 'true');
    return new Promise((done, fail) => {
      let warning: string | undefined;
      const call = client.predict(
        {
          model: { name: 'demo', selector: { $case: 'version', value: 1 } },
          precision,
          inputs: [{ name: 'features', datatype: common.DataType.DATA_TYPE_FP32, shape: [1, 4], rawData: ROW }],
          outputNames: [],
          metadata: {},
          requestId: '',
        },
        md,
        (err, res) => (err ? fail(fromServiceError(err)) : done({ res, warning })),
      );
      call.on('metadata', (m) => (warning = m.get('l1g1-variant-warning')[0]?.toString()));
    });
  }

  function infer(precision: string, allow?: boolean): Promise<oip.ModelInferResponse> {
    const parameters: Record<string, oip.InferParameter> = { precision: { parameterChoice: { $case: 'stringParam', value: precision } } };
    if (allow !== undefined) parameters['allow_unusable_variant'] = { parameterChoice: { $case: 'boolParam', value: allow } };
    return unary(oipClient.modelInfer.bind(oipClient), oip.ModelInferRequest.fromPartial({
      modelName: 'demo',
      modelVersion: '1',
      parameters,
      inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4] }],
      rawInputContents: [ROW],
    }));
  }

  it('a variant never checked is served, with a warning header (Predict) and a variant_warning parameter (OIP)', async () => {
    const { res, warning } = await predict(INT8);
    assert.equal(res.precision, INT8);
    assert.match(warning ?? '', /int8 variant of demo version 1 has not been checked against fp32/);
    const r = await infer('int8');
    const p = r.parameters['variant_warning']?.parameterChoice;
    assert.equal(p?.$case, 'stringParam');
    assert.match(String(p?.value), /not been checked/);
  });

  it('fp32 is the reference: served without a warning', async () => {
    const { warning } = await predict(FP32);
    assert.equal(warning, undefined);
    assert.equal((await infer('fp32')).parameters['variant_warning'], undefined);
  });

  it('a variant marked not usable is refused with FAILED_PRECONDITION naming precision and the recorded reason, on both protocols', async () => {
    await record('fp16', false, 'accuracy 0.9100 vs fp32 0.9350: drop 2.50 points, bound 0.50');
    await assert.rejects(predict(FP16), (e: unknown) => {
      assert.ok(e instanceof L1g1Error);
      assert.equal(e.kind, 'FAILED_PRECONDITION');
      assert.equal(e.field, 'precision');
      assert.equal(e.reason, 'VARIANT_NOT_USABLE');
      assert.match(e.message, /fp16 variant of demo version 1 is marked not usable: accuracy 0\.9100 vs fp32 0\.9350: drop 2\.50 points/);
      return true;
    });
    await assert.rejects(infer('fp16'), (e: unknown) => e instanceof L1g1Error && e.kind === 'FAILED_PRECONDITION' && e.field === 'precision');
  });

  it('an explicit per-request override serves a refused variant, still warning', async () => {
    await record('fp16', false, 'drop 2.50 points, bound 0.50');
    const { res, warning } = await predict(FP16, true);
    assert.equal(res.precision, FP16);
    assert.match(warning ?? '', /marked not usable .*served because the request allowed it/);
    const r = await infer('fp16', true);
    assert.match(String(r.parameters['variant_warning']?.parameterChoice?.value), /allowed it/);
    await assert.rejects(infer('fp16', false), (e: unknown) => e instanceof L1g1Error && e.kind === 'FAILED_PRECONDITION');
  });

  it('REST /v2 infer: refused as 400 with the evidence; allow_unusable_variant passes through the gateway; a non-bool is a 400 naming it', async () => {
    await record('fp16', false, 'drop 2.50 points, bound 0.50');
    const body = (parameters: Record<string, unknown>) => ({
      parameters: { precision: 'fp16', ...parameters },
      inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4], data: [6.3, 3.3, 6.0, 2.5] }],
    });
    const refused = await http(`${stack.gatewayUrl}/v2/models/demo/versions/1/infer`, { method: 'POST', json: body({}) });
    assert.equal(refused.status, 400);
    assert.match(refused.body.error, /fp16 variant of demo version 1 is marked not usable: drop 2\.50 points/);
    const allowed = await http(`${stack.gatewayUrl}/v2/models/demo/versions/1/infer`, { method: 'POST', json: body({ allow_unusable_variant: true }) });
    assert.equal(allowed.status, 200, JSON.stringify(allowed.body));
    assert.match(allowed.body.parameters.variant_warning, /allowed it/);
    const bad = await http(`${stack.gatewayUrl}/v2/models/demo/versions/1/infer`, { method: 'POST', json: body({ allow_unusable_variant: 'yes' }) });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /parameters\.allow_unusable_variant/);
  });

  it('a variant marked usable is served without a warning; the mark is read again once it changes', async () => {
    await record('fp16', true, 'drop 0.10 points, bound 0.50');
    const { res, warning } = await predict(FP16);
    assert.equal(res.precision, FP16);
    assert.equal(warning, undefined);
    await record('fp16', false, 'drop 0.90 points, bound 0.50');
    await assert.rejects(predict(FP16), (e: unknown) => e instanceof L1g1Error && e.kind === 'FAILED_PRECONDITION');
  });

  it('a malformed override is INVALID_ARGUMENT naming the parameter', async () => {
    const req = oip.ModelInferRequest.fromPartial({
      modelName: 'demo',
      parameters: {
        precision: { parameterChoice: { $case: 'stringParam', value: 'int8' } },
        allow_unusable_variant: { parameterChoice: { $case: 'stringParam', value: 'yes' } },
      },
      inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 4] }],
      rawInputContents: [ROW],
    });
    await assert.rejects(unary(oipClient.modelInfer.bind(oipClient), req), (e: unknown) => e instanceof L1g1Error && e.kind === 'INVALID_ARGUMENT' && e.field === 'parameters.allow_unusable_variant');
  });
});
