/**
 * CompareVariants through real services: feature records in an ingestion
 * snapshot, one version with an fp16 variant (the same weights: usable) and
 * an int8 slot holding a different model (far off: not usable), a second
 * version to compare versions. Each side is a stored Evaluate run through
 * inference; the usability lands on the registry version and the inference
 * service then refuses the unusable variant.
 */
import { strict as assert } from 'node:assert';
import { common, evaluator, inference, readVariantUsability } from '@l1g1/contracts';
import { createGrpcClient, L1g1Error, unary } from '@l1g1/kit';
import { buildMlp, buildMlpWithWeights } from '@l1g1/onnx';
import { uploadModel } from '../../../test/support/stack';
import { CLASS_NAMES, featureRecords, publishFeatureRecords } from './support/eval-data';
import { startEvaluatorStack, type EvaluatorStack } from './support/start-evaluator';

const DIM = 4;
const { PRECISION_FP16: FP16, PRECISION_INT8: INT8 } = common.Precision;

describe('CompareVariants: paired evaluation through inference, CI + McNemar + per-class deltas, usability recorded', function () {
  this.timeout(120_000);
  let s: EvaluatorStack;

  const request = (over: Partial<evaluator.CompareVariantsRequest> = {}): evaluator.CompareVariantsRequest =>
    evaluator.CompareVariantsRequest.fromPartial({ model: { name: 'animals', selector: { $case: 'version', value: 1 } }, dataset: { name: 'animals-data' }, split: 'test', seed: 3, ...over });
  const compare = (over: Partial<evaluator.CompareVariantsRequest> = {}) => unary(s.client.compareVariants.bind(s.client), request(over));
  const version = async (v: number) => unary(s.stack.registry.getVersion.bind(s.stack.registry), { modelName: 'animals', version: v });

  before(async () => {
    // Inference reads a variant's recorded usability afresh on every call (no cache), so the mark shows at once.
    s = await startEvaluatorStack({ inferenceEnv: { L1G1_INFERENCE_VARIANT_POLICY_TTL_MS: '0' } });
    await publishFeatureRecords(s.ingestion, 'animals-data', featureRecords(150, DIM));
    const tags = { class_names: JSON.stringify(CLASS_NAMES) };
    await uploadModel(s.stack.registry, 'animals', buildMlpWithWeights({ inputSize: DIM, hiddenSizes: [], outputSize: 3, softmax: true, seed: 7 }).bytes, { tags });
    await uploadModel(s.stack.registry, 'animals', buildMlp({ inputSize: DIM, hiddenSizes: [], outputSize: 3, softmax: true, seed: 7, precision: 'fp16' }), { version: 1, precision: FP16 });
    // Stands in for a badly quantized variant: other weights entirely.
    await uploadModel(s.stack.registry, 'animals', buildMlp({ inputSize: DIM, hiddenSizes: [], outputSize: 3, softmax: true, seed: 99 }), { version: 1, precision: INT8 });
    await uploadModel(s.stack.registry, 'animals', buildMlp({ inputSize: DIM, hiddenSizes: [], outputSize: 3, softmax: true, seed: 99 }), { tags });
  });
  after(async () => {
    await s?.close();
  });

  it('decides every variant against fp32 with evidence and records variant/<p>/usable on the version', async () => {
    const res = await compare({ maxDrop: 0.02 });
    assert.equal(res.metric, 'accuracy');
    assert.equal(res.recordsCompared, 50, 'every test record paired');
    assert.equal(res.baseline?.precision, common.Precision.PRECISION_FP32);
    assert.deepEqual(res.candidates.map((c) => c.precision), [FP16, INT8]);
    const [fp16, int8] = res.candidates as [evaluator.VariantResult, evaluator.VariantResult];

    // fp16 of the same weights: predictions (almost) all the same, usable.
    assert.ok(fp16.agreementWithBaseline >= 0.96, `fp16 agreement ${fp16.agreementWithBaseline}`);
    assert.equal(fp16.usable, true, fp16.evidence);
    assert.equal(fp16.bound, 0.02);
    assert.ok(fp16.recorded);

    // int8 slot with other weights: far off, not usable, with the figures behind it.
    assert.equal(int8.usable, false, int8.evidence);
    assert.equal(int8.withinTolerance, false);
    const base = res.baseline!.metrics['accuracy']!;
    assert.ok(Math.abs(int8.metricDelta - (int8.metrics['accuracy']! - base)) < 1e-12, 'delta = candidate - baseline');
    assert.ok(Math.abs(int8.deltas['accuracy']! - int8.metricDelta) < 1e-12);
    assert.ok(int8.ciLow <= int8.metricDelta && int8.metricDelta <= int8.ciHigh, `CI [${int8.ciLow}, ${int8.ciHigh}] holds ${int8.metricDelta}`);
    assert.equal(int8.confidence, 0.95);
    assert.ok(int8.pValue >= 0 && int8.pValue <= 1);
    assert.ok(['exact', 'chi2'].includes(int8.test));
    assert.ok(int8.baselineOnlyCorrect + int8.candidateOnlyCorrect > 0);
    assert.deepEqual(new Set(int8.perClassDeltas.map((d) => d.label)), new Set(CLASS_NAMES));
    assert.match(int8.evidence, /^accuracy .* vs fp32 .*McNemar p=/);
    assert.ok(int8.runId && int8.runId !== res.baseline!.runId, 'each side is its own stored run');

    const v = await version(1);
    assert.equal(readVariantUsability(v.tags, 'fp16').state, 'usable');
    const u8 = readVariantUsability(v.tags, 'int8');
    assert.equal(u8.state, 'not_usable');
    assert.equal(u8.reason, int8.evidence);

    // The inference service now refuses the int8 variant for a user, naming precision.
    const user = createGrpcClient(inference.InferenceServiceClient, s.stack.inferenceAddr, { identity: { apiKey: s.stack.adminKey } });
    await assert.rejects(
      unary(
        user.predict.bind(user),
        inference.PredictRequest.fromPartial({
          model: { name: 'animals', selector: { $case: 'version', value: 1 } },
          precision: INT8,
          inputs: [{ name: 'input', datatype: common.DataType.DATA_TYPE_FP32, shape: [1, DIM], rawData: Buffer.alloc(4 * DIM) }],
        }),
      ),
      (e: unknown) => e instanceof L1g1Error && e.kind === 'FAILED_PRECONDITION' && e.field === 'precision',
    );
    user.close();

    // A second comparison re-measures the marked variant (the evaluator may use it) and keeps the mark.
    const again = await compare({ candidates: [INT8], recordUsability: false });
    assert.equal(again.candidates[0]!.usable, false);
    assert.equal(again.candidates[0]!.recorded, false);
  });

  it('compares two versions on the same records; nothing is recorded as variant usability', async () => {
    const res = await compare({ candidateModel: { name: 'animals', selector: { $case: 'version', value: 2 } }, metric: 'macro_f1', maxDrop: 0 });
    assert.equal(res.candidates.length, 1);
    const c = res.candidates[0]!;
    assert.deepEqual(c.model, { name: 'animals', selector: { $case: 'version', value: 2 } });
    assert.equal(res.metric, 'macro_f1');
    assert.equal(c.recorded, false);
    assert.match(c.evidence, /vs animals version 1/);
    assert.ok(Math.abs(c.metricDelta - (c.metrics['macro_f1']! - res.baseline!.metrics['macro_f1']!)) < 1e-12);
    assert.equal(c.usable, c.metricDelta >= 0);
    assert.equal(readVariantUsability((await version(2)).tags, 'fp16').state, 'unchecked');
  });

  it('bad requests are refused naming the field, before any run is queued', async () => {
    const before = (await unary(s.client.listEvaluations.bind(s.client), { page: { pageSize: 1000, pageToken: '' }, model: undefined, dataset: undefined, state: 0 })).runs.length;
    const refused = (over: Partial<evaluator.CompareVariantsRequest>, kind: string, field: string) =>
      assert.rejects(compare(over), (e: unknown) => e instanceof L1g1Error && e.kind === kind && e.field === field && !/\/|127\.0\.0\.1/.test(e.message));
    await refused({ split: 'nope' }, 'INVALID_ARGUMENT', 'split');
    await refused({ metric: 'perplexity' }, 'INVALID_ARGUMENT', 'metric');
    await refused({ maxDrop: 2 }, 'INVALID_ARGUMENT', 'max_drop');
    await refused({ model: { name: 'animals', selector: { $case: 'version', value: 2 } } }, 'FAILED_PRECONDITION', 'candidates');
    await refused({ candidates: [INT8], candidateModel: { name: 'animals', selector: { $case: 'version', value: 2 } } }, 'INVALID_ARGUMENT', 'candidates');
    const after = (await unary(s.client.listEvaluations.bind(s.client), { page: { pageSize: 1000, pageToken: '' }, model: undefined, dataset: undefined, state: 0 })).runs.length;
    assert.equal(after, before, 'no run queued by a refused comparison');
  });
});
