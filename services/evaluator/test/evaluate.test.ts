/**
 * Evaluate end to end, every part real: feature records in an ingestion
 * snapshot, a softmax model registered in the registry, predictions through
 * the inference service, the run stored in the evaluator and its headline
 * metrics merged into the registry version. The test works out the model's
 * predictions itself (from the weights it built) and checks the run's
 * figures against them.
 */
import { strict as assert } from 'node:assert';
import { common, evaluator, registry } from '@l1g1/contracts';
import { unary } from '@l1g1/kit';
import { buildMlpWithWeights, buildMlp, type MlpLayer } from '@l1g1/onnx';
import { uploadModel } from '../../../test/support/stack';
import { classificationReport } from '../src/domain/evaluations/classification-report';
import { CLASS_NAMES, featureRecords, publishFeatureRecords, softmaxLayer, type FeatureRecord } from './support/eval-data';
import { refusal, waitForRun } from './support/evaluation-runs';
import { startEvaluatorStack, type EvaluatorStack } from './support/start-evaluator';

const DIM = 4;

function list(s: EvaluatorStack, req: Partial<evaluator.ListEvaluationsRequest>): Promise<evaluator.ListEvaluationsResponse> {
  return unary(s.client.listEvaluations.bind(s.client), { page: undefined, model: undefined, dataset: undefined, state: common.JobState.JOB_STATE_UNSPECIFIED, ...req });
}

describe('Evaluate (ingestion → inference → evaluator → registry)', function () {
  this.timeout(120_000);
  let s: EvaluatorStack;
  let records: FeatureRecord[];
  let layer: MlpLayer;
  let snapshot: number;

  const request = (over: Partial<evaluator.EvaluateRequest> = {}): evaluator.EvaluateRequest =>
    evaluator.EvaluateRequest.fromPartial({
      model: { name: 'animals', selector: { $case: 'version', value: 1 } },
      dataset: { name: 'animals-data', snapshot: 0 },
      split: 'test',
      recordInRegistry: true,
      ...over,
    });

  before(async () => {
    s = await startEvaluatorStack();
    records = featureRecords(150, DIM, { unknownLabelEvery: 25 });
    snapshot = await publishFeatureRecords(s.ingestion, 'animals-data', records);
    const built = buildMlpWithWeights({ inputSize: DIM, hiddenSizes: [], outputSize: 3, softmax: true, seed: 7 });
    layer = built.layers[0] as MlpLayer;
    const v = await uploadModel(s.stack.registry, 'animals', built.bytes, { tags: { class_names: JSON.stringify(CLASS_NAMES) } });
    assert.equal(v.version, 1);
    await uploadModel(s.stack.registry, 'animals', buildMlp({ inputSize: DIM, hiddenSizes: [], outputSize: 3, softmax: true, seed: 7, precision: 'fp16' }), {
      version: 1,
      precision: common.Precision.PRECISION_FP16,
    });
    // A model that takes 3 features: it does not fit records of 4.
    await uploadModel(s.stack.registry, 'narrow', buildMlp({ inputSize: 3, hiddenSizes: [], outputSize: 3, softmax: true }), { tags: { class_names: 'cat,dog,eel' } });
  });
  after(async () => {
    await s?.close();
  });

  it('evaluates the test split through inference, stores the run and records the metrics in the registry version', async () => {
    const created = await unary(s.client.evaluate.bind(s.client), request({ storePredictions: true }));
    assert.ok(created.runId);
    assert.equal(created.model?.name, 'animals');
    assert.deepEqual(created.dataset, { name: 'animals-data', snapshot });
    assert.equal(created.request?.labelField, 'label', 'defaults are echoed');
    assert.equal(created.request?.calibrationBins, 15);

    const run = await waitForRun(s, created.runId);
    assert.equal(run.status?.state, common.JobState.JOB_STATE_SUCCEEDED, JSON.stringify(run.status?.error));

    // What the run must have found, worked out here from the weights.
    const test = records.filter((r) => r.split === 'test');
    const known = test.filter((r) => r.label !== 'zzz');
    assert.equal(run.recordsEvaluated, known.length);
    assert.equal(run.recordsSkipped, test.length - known.length, 'records with an unknown label are skipped and counted');
    const yTrue = known.map((r) => CLASS_NAMES.indexOf(r.label as (typeof CLASS_NAMES)[number]));
    const expected = classificationReport(yTrue, known.map((r) => softmaxLayer(layer, r.features)), { classNames: CLASS_NAMES, positiveClass: 1, calibrationBins: 15 });
    for (const key of ['accuracy', 'macro_f1', 'weighted_f1', 'micro_f1', 'auc', 'pr_auc', 'ece', 'log_loss', 'f1/dog']) {
      const got = run.metrics[key];
      assert.ok(got !== undefined && Math.abs(got - (expected.metrics[key] as number)) < 1e-5, `${key}: ${got} vs ${expected.metrics[key]}`);
    }
    assert.ok((run.metrics['accuracy'] ?? 1) < 1 && (run.metrics['accuracy'] ?? 0) > 0, 'a model that is right on some records only');
    assert.deepEqual(run.classification?.confusionMatrix?.labels, [...CLASS_NAMES]);
    assert.deepEqual(run.classification?.confusionMatrix?.counts, expected.classification.confusionMatrix?.counts);
    assert.equal(run.classification?.perClass.reduce((a, c) => a + c.support, 0), known.length);
    assert.equal(run.classification?.calibration.length, 15);
    assert.equal(run.predictions.length, known.length, 'predictions kept on request');
    // Progress as job counters.
    assert.equal(run.status?.progress, 1);
    assert.equal(run.status?.counters['records_done'], known.length);
    assert.equal(run.status?.counters['records_skipped'], test.length - known.length);

    // Merged into the registry version's metrics under eval.<split>.<precision>.<metric>.
    const version = await unary(s.stack.registry.getVersion.bind(s.stack.registry), registry.GetVersionRequest.fromPartial({ modelName: 'animals', version: 1 }));
    assert.ok(Math.abs((version.metrics['eval.test.fp32.macro_f1'] ?? -1) - (run.metrics['macro_f1'] ?? -2)) < 1e-12);
    assert.ok('eval.test.fp32.accuracy' in version.metrics && 'eval.test.fp32.auc' in version.metrics);

    const slim = await unary(s.client.getEvaluation.bind(s.client), { runId: created.runId, omitPredictions: true });
    assert.equal(slim.predictions.length, 0, 'omit_predictions leaves them out');
  });

  it('evaluates the fp16 variant through the same path, with figures close to fp32', async () => {
    const created = await unary(s.client.evaluate.bind(s.client), request({ precision: common.Precision.PRECISION_FP16, recordInRegistry: false }));
    const run = await waitForRun(s, created.runId);
    assert.equal(run.status?.state, common.JobState.JOB_STATE_SUCCEEDED, JSON.stringify(run.status?.error));
    assert.equal(run.precision, common.Precision.PRECISION_FP16);
    const fp32 = await list(s, { model: { name: 'animals', selector: { $case: 'version', value: 1 } }, page: { pageSize: 10, pageToken: '' } });
    const base = fp32.runs.find((r) => r.precision === common.Precision.PRECISION_FP32);
    assert.ok(base, 'the fp32 run is listed');
    assert.ok(Math.abs((run.metrics['accuracy'] ?? 0) - (base.metrics['accuracy'] ?? 0)) <= 0.05);
  });

  it('lists runs newest first with filters and pages', async () => {
    const all = await list(s, { page: { pageSize: 1, pageToken: '' } });
    assert.equal(all.runs.length, 1);
    assert.ok(all.page?.nextPageToken, 'a second page exists');
    const second = await list(s, { page: { pageSize: 1, pageToken: all.page?.nextPageToken ?? '' } });
    assert.equal(second.runs.length, 1);
    assert.notEqual(second.runs[0]?.runId, all.runs[0]?.runId);
    const none = await list(s, { dataset: { name: 'other-data', snapshot: 0 } });
    assert.equal(none.runs.length, 0);
    const succeeded = await list(s, { state: common.JobState.JOB_STATE_SUCCEEDED });
    assert.ok(succeeded.runs.length >= 2 && succeeded.runs.every((r) => r.status?.state === common.JobState.JOB_STATE_SUCCEEDED));
    assert.equal(all.runs[0]?.predictions.length, 0, 'lists carry no predictions');
  });

  describe('bad requests are refused before a run exists, naming the field', () => {
    let before: number;
    const count = async (): Promise<number> => (await list(s, { page: { pageSize: 1000, pageToken: '' } })).runs.length;
    beforeEach(async () => {
      before = await count();
    });
    afterEach(async () => {
      assert.equal(await count(), before, 'nothing was queued');
    });

    it('an unknown split: INVALID_ARGUMENT naming split', async () => {
      const err = await refusal(unary(s.client.evaluate.bind(s.client), request({ split: 'holdout' })));
      assert.equal(err.kind, 'INVALID_ARGUMENT');
      assert.equal(err.field, 'split');
      assert.match(err.message, /train, test|test, train/);
    });
    it('a label field no record carries: INVALID_ARGUMENT naming label_field', async () => {
      const err = await refusal(unary(s.client.evaluate.bind(s.client), request({ labelField: 'species' })));
      assert.equal(err.kind, 'INVALID_ARGUMENT');
      assert.equal(err.field, 'label_field');
    });
    it('a model whose signature does not fit the records: FAILED_PRECONDITION naming model', async () => {
      const err = await refusal(unary(s.client.evaluate.bind(s.client), request({ model: { name: 'narrow', selector: { $case: 'version', value: 1 } } })));
      assert.equal(err.kind, 'FAILED_PRECONDITION');
      assert.equal(err.field, 'model');
      assert.match(err.message, /takes 3 FP32 features/);
    });
    it('a precision the version has no variant of: FAILED_PRECONDITION naming precision', async () => {
      const err = await refusal(unary(s.client.evaluate.bind(s.client), request({ precision: common.Precision.PRECISION_INT8 })));
      assert.equal(err.kind, 'FAILED_PRECONDITION');
      assert.equal(err.field, 'precision');
    });
    it('no model name: INVALID_ARGUMENT naming model.name; an unknown model: NOT_FOUND', async () => {
      const missing = await refusal(unary(s.client.evaluate.bind(s.client), request({ model: { name: '', selector: undefined } })));
      assert.equal(missing.kind, 'INVALID_ARGUMENT');
      assert.equal(missing.field, 'model.name');
      const unknown = await refusal(unary(s.client.evaluate.bind(s.client), request({ model: { name: 'nobody', selector: { $case: 'alias', value: 'production' } } })));
      assert.equal(unknown.kind, 'NOT_FOUND');
    });
    it('an unknown snapshot: NOT_FOUND; a bad batch size: INVALID_ARGUMENT naming batch_size', async () => {
      const err = await refusal(unary(s.client.evaluate.bind(s.client), request({ dataset: { name: 'animals-data', snapshot: 99 } })));
      assert.equal(err.kind, 'NOT_FOUND');
      const big = await refusal(unary(s.client.evaluate.bind(s.client), request({ batchSize: 1_000_000 })));
      assert.equal(big.field, 'batch_size');
    });
  });

  it('GetEvaluation of an unknown run: NOT_FOUND', async () => {
    const err = await refusal(unary(s.client.getEvaluation.bind(s.client), { runId: 'no-such-run', omitPredictions: false }));
    assert.equal(err.kind, 'NOT_FOUND');
  });
});
