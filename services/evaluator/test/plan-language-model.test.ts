/**
 * planLanguageModel on its own (no network): what a language-modeling run is
 * pinned to, and each refusal naming its field — the model's tags and
 * signature decide, the request's window is bounded so one inference answer
 * stays bounded.
 */
import { strict as assert } from 'node:assert';
import { common, evaluator, registry } from '@l1g1/contracts';
import { buildLmVocabulary, lmRecipeTag } from '@l1g1/features';
import { L1g1Error } from '@l1g1/kit';
import { MAX_LM_ANSWER_VALUES, planLanguageModel } from '../src/domain/evaluations/plan-language-model';

const { DATA_TYPE_INT64: INT64, DATA_TYPE_FP32: FP32 } = common.DataType;
const refused = (kind: string, field: string) => (e: unknown) => e instanceof L1g1Error && e.kind === kind && e.field === field;

function lmVersion(vocabSize: number, seqLen: number, outputs = [{ name: 'probabilities', datatype: FP32, shape: [-1, -1, vocabSize] }]) {
  const tokens = Array.from({ length: vocabSize - 1 }, (_, i) => `w${i}`);
  const vocabulary = buildLmVocabulary([tokens.join(' ')], 'word', vocabSize);
  const artifact = registry.Artifact.fromPartial({ precision: common.Precision.PRECISION_FP32, signature: { inputs: [{ name: 'token_ids', datatype: INT64, shape: [-1, -1] }], outputs } });
  const version = registry.ModelVersion.fromPartial({ modelName: 'lm', version: 2, tags: { preprocess: lmRecipeTag({ vocabulary, seqLen }) }, artifacts: [artifact] });
  return { version, artifact };
}

const plan = (v: ReturnType<typeof lmVersion>, req: Partial<evaluator.EvaluateRequest> = {}) =>
  planLanguageModel({ req: evaluator.EvaluateRequest.fromPartial({ batchSize: 64, precision: common.Precision.PRECISION_FP32, ...req }), ...v, dataset: 'book', snapshot: 1, split: 'test', createdBy: 'tests' });

describe('planLanguageModel', () => {
  it('pins the window to the training seq_len by default, and lowers the batch so one answer holds at most the bound', () => {
    const p = plan(lmVersion(2000, 64));
    assert.equal(p.window, 64);
    assert.equal(p.batchSize, Math.floor(MAX_LM_ANSWER_VALUES / (64 * 2000)), 'below the asked 64');
    assert.equal(p.inputName, 'token_ids');
    assert.equal(p.outputName, 'probabilities');
    const echoed = evaluator.EvaluateRequest.fromJSON(p.request);
    assert.equal(echoed.window, 64);
    assert.equal(echoed.task, evaluator.EvalTask.EVAL_TASK_LANGUAGE_MODELING);
    assert.equal(plan(lmVersion(10, 8), { window: 5 }).window, 5, 'an explicit window wins');
  });

  it('a window whose single row would pass the answer bound: INVALID_ARGUMENT naming window', () => {
    assert.throws(() => plan(lmVersion(2000, 64), { window: 4096 }), refused('INVALID_ARGUMENT', 'window'));
  });

  it('a version without a language-model tag: FAILED_PRECONDITION naming task; a wrong output shape: naming model', () => {
    const classifier = lmVersion(10, 8);
    classifier.version.tags = { class_names: 'a,b' };
    assert.throws(() => plan(classifier), refused('FAILED_PRECONDITION', 'task'));
    assert.throws(() => plan(lmVersion(10, 8, [{ name: 'probabilities', datatype: FP32, shape: [-1, 10] }])), refused('FAILED_PRECONDITION', 'model'));
    assert.throws(() => plan(lmVersion(10, 8, [{ name: 'probabilities', datatype: FP32, shape: [-1, -1, 11] }])), refused('FAILED_PRECONDITION', 'model'));
  });
});
