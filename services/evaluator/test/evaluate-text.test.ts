/**
 * Evaluate a text model whose version carries a `preprocess` tag: the
 * evaluator featurizes each record with @l1g1/features (the trainer's own
 * recipe, read back from the tag) and sends INT64 n-gram ids through the
 * inference service. The test runs the same ONNX bytes locally on ids it
 * computes itself and checks every stored prediction against them, so a
 * featurizer drift (metadata lines, padding, recipe) would fail it.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { common, evaluator, type trainer } from '@l1g1/contracts';
import { featurizeRecord, padIdLists, parsePreprocessTag } from '@l1g1/features';
import { unary } from '@l1g1/kit';
import { exportOnnx } from '../../trainer/src/export';
import { createModel, type BuiltModel, type TextExample } from '../../trainer/src/models';
import { runOnnx, useCpuBackend } from '../../trainer/test/export-helpers';
import type { StoredRecord } from '../../ingestion/src/domain/snapshot/stored-record';
import { publishTestSnapshot } from '../../ingestion/test/support/publish-test-snapshot';
import { uploadModel } from '../../../test/support/stack';
import { startEvaluatorStack, type EvaluatorStack } from './support/start-evaluator';

const SPEC: trainer.TextClassifierSpec = {
  features: 1,
  vocabSize: 5003,
  wordNgramMax: 2,
  charNgramMin: 0,
  charNgramMax: 0,
  maxTokens: 64,
  embeddingDim: 8,
  encoderHiddenSize: 0,
  hiddenUnits: [],
  dropout: 0,
  multiLabel: false,
};
const WORDS = ['cheap', 'meds', 'meeting', 'agenda', 'winner', 'invoice', 'lunch', 'offer', 'free', 'report', 'click', 'project'];

function mails(count: number): StoredRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const body = Array.from({ length: 6 + (i % 5) }, (_, k) => WORDS[(i * 7 + k * 3) % WORDS.length]).join(' ');
    return {
      id: createHash('sha256').update(`mail-${i}`).digest('hex'),
      modality: 'text' as const,
      contentType: 'text/plain',
      data: Buffer.from(body),
      metadata: { label: i % 3 === 0 ? 'spam' : 'ham', split: 'test', subject: `note ${WORDS[i % WORDS.length]}`, from: `user${i % 4}@example.org` },
    };
  });
}

describe('Evaluate a text classifier through its preprocess tag (@l1g1/features)', function () {
  this.timeout(120_000);
  let s: EvaluatorStack;
  before(async () => {
    await useCpuBackend();
    s = await startEvaluatorStack();
  });
  after(async () => {
    await s?.close();
  });

  it('featurizes records as the trainer did and scores them through inference', async () => {
    const records = mails(30);
    await publishTestSnapshot(s.ingestion.deps, 'mails', records);
    const model = createModel({ architecture: { $case: 'textClassifier', value: SPEC } }, ['ham', 'spam'], 3) as BuiltModel<TextExample>;
    const exported = exportOnnx(model.exportSpec(), { precision: 'fp32' });
    const tags = model.tags();
    model.dispose();
    assert.ok(tags['preprocess'], 'the text classifier tags its recipe');
    await uploadModel(s.stack.registry, 'mail-filter', exported.bytes, { tags: { ...tags, class_names: '["ham","spam"]' } });

    const created = await unary(
      s.client.evaluate.bind(s.client),
      evaluator.EvaluateRequest.fromPartial({ model: { name: 'mail-filter', selector: { $case: 'version', value: 1 } }, dataset: { name: 'mails' }, storePredictions: true, batchSize: 8 }),
    );
    let run = created;
    for (let i = 0; i < 600 && run.status?.state !== common.JobState.JOB_STATE_SUCCEEDED && run.status?.state !== common.JobState.JOB_STATE_FAILED; i++) {
      await new Promise((r) => setTimeout(r, 100));
      run = await unary(s.client.getEvaluation.bind(s.client), { runId: created.runId, omitPredictions: false });
    }
    assert.equal(run.status?.state, common.JobState.JOB_STATE_SUCCEEDED, JSON.stringify(run.status?.error));
    assert.equal(run.recordsEvaluated, records.length);

    // The same bytes, run here on ids computed here from the tag.
    const recipe = parsePreprocessTag(tags['preprocess'] ?? '');
    const { data, dims } = padIdLists(records.map((r) => featurizeRecord(r, recipe)));
    const local = await runOnnx(exported.bytes, 'ngram_ids', { type: 'int64', data, dims }, exported.signature.outputs[0]?.name ?? 'probabilities');
    const byId = new Map(run.predictions.map((p) => [p.recordId, p]));
    records.forEach((r, i) => {
      const p0 = local.data[i * 2] as number;
      const p1 = local.data[i * 2 + 1] as number;
      const got = byId.get(r.id);
      assert.ok(got, `record ${i} has a stored prediction`);
      assert.equal(got.predictedLabel, p1 > p0 ? 'spam' : 'ham', `record ${i}`);
      assert.ok(Math.abs(got.confidence - Math.max(p0, p1)) < 1e-5, `record ${i}: ${got.confidence} vs ${Math.max(p0, p1)}`);
    });
  });
});
