/**
 * Evaluate for a language model, end to end: a GRU LM trained in the test
 * through the trainer's library, exported to ONNX and registered with the
 * trainer's own tags; its held-out text published as a snapshot split
 * without labels; the evaluator tokenizes the split, cuts windows and
 * predicts through the real inference service. The test rebuilds the token
 * stream by itself (its own char split and vocabulary lookup), runs the same
 * ONNX bytes in-process on the same windows and batches, and checks the
 * run's perplexity against its own to 1e-9, and against the trainer's own
 * held-out perplexity on the same text.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { common, evaluator, registry, type trainer } from '@l1g1/contracts';
import { unary } from '@l1g1/kit';
import { buildMlp } from '@l1g1/onnx';
import { AdamW, train } from '../../trainer/src/engine';
import { exportOnnx } from '../../trainer/src/export';
import { createModel, type GruLmModel } from '../../trainer/src/models';
import { runOnnx, useCpuBackend } from '../../trainer/test/export-helpers';
import type { StoredRecord } from '../../ingestion/src/domain/snapshot/stored-record';
import { publishTestSnapshot } from '../../ingestion/test/support/publish-test-snapshot';
import { uploadModel } from '../../../test/support/stack';
import { refusal, waitForRun } from './support/evaluation-runs';
import { startEvaluatorStack, type EvaluatorStack } from './support/start-evaluator';

const SEQ_LEN = 12;
const SPEC: trainer.GruSpec = { inputDim: 0, hiddenSize: 24, numLayers: 1, bidirectional: false, maxSteps: SEQ_LEN, dropout: 0, languageModel: { level: 1, maxVocab: 0, embeddingDim: 8 } };
const SUBJECTS = ['the cat', 'a dog', 'the old man', 'my sister', 'a bird'];
const VERBS = ['sees', 'likes', 'finds', 'chases', 'hears'];
const OBJECTS = ['the ball', 'a fish', 'the red hat', 'some bread', 'the moon'];

/** Deterministic sentences of a tiny grammar (no Math.random: the same text every run). */
function sentences(from: number, count: number): string {
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    return `${SUBJECTS[(i * 3) % 5]} ${VERBS[(i * 7 + 1) % 5]} ${OBJECTS[(i * 11 + 2) % 5]}.`;
  }).join(' ');
}

const TRAIN_TEXT = sentences(0, 60);
// Held out: other sentences of the grammar, with two characters the training text never had (→ <unk>).
const HELD_TEXT = `${sentences(60, 7)} Zebras quack! ${sentences(67, 7)}`;

function record(text: string, split: string): StoredRecord {
  return { id: createHash('sha256').update(`${split}:${text}`).digest('hex'), modality: 'text', contentType: 'text/plain', data: Buffer.from(text), metadata: { split } };
}

async function finished(s: EvaluatorStack, req: evaluator.EvaluateRequest): Promise<evaluator.EvaluationRun> {
  const created = await unary(s.client.evaluate.bind(s.client), req);
  return waitForRun(s, created.runId);
}

/**
 * The reference: the stream by hand (one token per code point, the tag's
 * vocabulary, unknown → 0), windows of `window` inputs stepping by `window`
 * (the shorter tail padded with 0 after its inputs: the model reads left to
 * right), batches of `batchSize` rows run in-process, and exp of the mean
 * −ln p(actual next token) over each window's own positions.
 */
async function referencePerplexity(onnx: Uint8Array, vocabulary: readonly string[], text: string, window: number, batchSize: number): Promise<{ perplexity: number; tokens: number }> {
  const idOf = new Map(vocabulary.map((t, i) => [t, i]));
  const ids = Array.from(text).map((c) => idOf.get(c) ?? 0);
  const windows: { start: number; length: number }[] = [];
  for (let start = 0; start + 1 < ids.length; start += window) windows.push({ start, length: Math.min(window, ids.length - 1 - start) });
  let nll = 0;
  let tokens = 0;
  for (let i = 0; i < windows.length; i += batchSize) {
    const batch = windows.slice(i, i + batchSize);
    const feed = batch.flatMap((w) => Array.from({ length: window }, (_, t) => (t < w.length ? (ids[w.start + t] as number) : 0)));
    const out = await runOnnx(onnx, 'token_ids', { type: 'int64', data: feed, dims: [batch.length, window] }, 'probabilities');
    batch.forEach((w, r) => {
      for (let t = 0; t < w.length; t++) {
        nll -= Math.log(out.data[(r * window + t) * vocabulary.length + (ids[w.start + t + 1] as number)] as number);
        tokens++;
      }
    });
  }
  return { perplexity: Math.exp(nll / tokens), tokens };
}

describe('Evaluate a language model: perplexity through the inference service', function () {
  this.timeout(180_000);
  let s: EvaluatorStack;
  let onnx: Uint8Array;
  let vocabulary: string[];
  let trainerHeldOut: number;

  before(async () => {
    await useCpuBackend();
    s = await startEvaluatorStack();
    const model = createModel({ architecture: { $case: 'gru', value: SPEC } }, [], 5) as GruLmModel;
    const trainSet = model.featurize([{ data: TRAIN_TEXT, metadata: {} }]);
    const heldSet = model.featurize([{ data: HELD_TEXT, metadata: {} }]);
    const optimizer = new AdamW({ learningRate: 0.02 });
    await train({ epochs: 4, batchSize: 8, optimizer, seed: 3 }, model.trainable, async function* () {
      yield* trainSet;
    });
    trainerHeldOut = model.evaluate(heldSet).perplexity;
    onnx = exportOnnx(model.exportSpec(), { precision: 'fp32' }).bytes;
    const tags = model.tags();
    vocabulary = [...model.classNames];
    optimizer.dispose();
    model.dispose();
    await uploadModel(s.stack.registry, 'tiny-lm', onnx, { tags: { ...tags, class_names: JSON.stringify(vocabulary) } });
    await uploadModel(s.stack.registry, 'classifier', buildMlp({ inputSize: 4, hiddenSizes: [], outputSize: 3, softmax: true, seed: 7 }), { tags: { class_names: 'cat,dog,eel' } });
    await publishTestSnapshot(s.ingestion.deps, 'book', [record(TRAIN_TEXT, 'train'), record(HELD_TEXT, 'test')]);
  });
  after(async () => {
    await s?.close();
  });

  it('task inferred from the version’s tags, window = its training seq_len: perplexity equals the reference to 1e-9, is near the trainer’s held-out figure, and lands in the registry', async () => {
    const run = await finished(s, evaluator.EvaluateRequest.fromPartial({ model: { name: 'tiny-lm', selector: { $case: 'version', value: 1 } }, dataset: { name: 'book' }, batchSize: 4, recordInRegistry: true }));
    assert.equal(run.status?.state, common.JobState.JOB_STATE_SUCCEEDED, JSON.stringify(run.status?.error));
    assert.equal(run.request?.task, evaluator.EvalTask.EVAL_TASK_LANGUAGE_MODELING);
    assert.equal(run.request?.window, SEQ_LEN, 'the window defaults to the seq_len the model was trained with');
    const ref = await referencePerplexity(onnx, vocabulary, HELD_TEXT, SEQ_LEN, 4);
    const ppl = run.metrics['perplexity'] ?? NaN;
    assert.ok(Math.abs(ppl - ref.perplexity) < 1e-9, `evaluator ${ppl} vs reference ${ref.perplexity}`);
    assert.equal(run.metrics['tokens'], Array.from(HELD_TEXT).length - 1, 'every token but the first is predicted');
    assert.equal(run.metrics['tokens'], ref.tokens);
    assert.ok(Math.abs((run.metrics['nll'] ?? NaN) - Math.log(ppl)) < 1e-12);
    assert.ok(Math.abs((run.metrics['bits_per_token'] ?? NaN) - Math.log2(ppl)) < 1e-9);
    // Char level: one token per character, so bits per char equal bits per token.
    assert.ok(Math.abs((run.metrics['bits_per_char'] ?? NaN) - (run.metrics['bits_per_token'] ?? NaN)) < 1e-12);
    assert.ok((run.metrics['unknown_rate'] ?? 0) > 0, 'Z and q were never seen in training: they are <unk> targets');
    console.log(`      held-out perplexity: evaluator ${ppl.toFixed(4)}, reference ${ref.perplexity.toFixed(4)}, trainer ${trainerHeldOut.toFixed(4)}, ${ref.tokens} tokens, vocabulary ${vocabulary.length}`);
    // The trainer drops the last partial window and runs tfjs, not ONNX Runtime: close, not equal.
    assert.ok(Math.abs(ppl - trainerHeldOut) / trainerHeldOut < 0.05, `evaluator ${ppl} vs trainer held-out ${trainerHeldOut}`);
    assert.ok(ppl < vocabulary.length / 2, `a trained model beats a uniform guess over ${vocabulary.length} tokens: ${ppl}`);
    const version = await unary(s.stack.registry.getVersion.bind(s.stack.registry), registry.GetVersionRequest.fromPartial({ modelName: 'tiny-lm', version: 1 }));
    assert.ok(Math.abs((version.metrics['eval.test.fp32.perplexity'] ?? -1) - ppl) < 1e-12, JSON.stringify(version.metrics));
  });

  it('an explicit task and window: windows of that length, still equal to the reference', async () => {
    const run = await finished(
      s,
      evaluator.EvaluateRequest.fromPartial({
        model: { name: 'tiny-lm', selector: { $case: 'version', value: 1 } },
        dataset: { name: 'book' },
        task: evaluator.EvalTask.EVAL_TASK_LANGUAGE_MODELING,
        window: 7,
        batchSize: 3,
      }),
    );
    assert.equal(run.status?.state, common.JobState.JOB_STATE_SUCCEEDED, JSON.stringify(run.status?.error));
    const ref = await referencePerplexity(onnx, vocabulary, HELD_TEXT, 7, 3);
    assert.ok(Math.abs((run.metrics['perplexity'] ?? NaN) - ref.perplexity) < 1e-9, `evaluator ${run.metrics['perplexity']} vs reference ${ref.perplexity}`);
    assert.equal(run.metrics['windows'], Math.ceil((Array.from(HELD_TEXT).length - 1) / 7));
  });

  it('a gate on perplexity decides a language model: evaluated on the gate data, passed under the bound, refused over it with the figure; a classification metric is refused naming metric', async () => {
    const LE = evaluator.Comparison.COMPARISON_LESS_OR_EQUAL;
    const gate = (name: string, value: number) =>
      evaluator.Gate.fromPartial({ name, thresholds: [{ metric: 'perplexity', comparison: LE, value }], dataset: { name: 'book' }, split: 'test' });
    await unary(s.client.createGate.bind(s.client), { gate: gate('lm-loose', 1000) });
    await unary(s.client.createGate.bind(s.client), { gate: gate('lm-strict', 1) });
    const ask = (gateName: string) => unary(s.client.evaluateGate.bind(s.client), { gateName, model: { name: 'tiny-lm', selector: { $case: 'version', value: 1 } }, evaluationRunId: '', promote: false });
    const loose = await ask('lm-loose');
    assert.equal(loose.passed, true, loose.reasons.join('; '));
    const strict = await ask('lm-strict');
    assert.equal(strict.passed, false);
    assert.match(strict.reasons[0] ?? '', /^perplexity \d+\.\d{4} > 1$/);
    // A classification metric on a language model can never be decided: refused before anything is evaluated.
    await unary(s.client.createGate.bind(s.client), {
      gate: evaluator.Gate.fromPartial({ name: 'lm-accuracy', thresholds: [{ metric: 'accuracy', comparison: evaluator.Comparison.COMPARISON_GREATER_OR_EQUAL, value: 0 }], dataset: { name: 'book' }, split: 'test' }),
    });
    const err = await refusal(ask('lm-accuracy'));
    assert.equal(err.kind, 'INVALID_ARGUMENT');
    assert.equal(err.field, 'metric');
  });

  describe('bad requests are refused before a run exists, naming the field', () => {
    const lm = { model: { name: 'tiny-lm', selector: { $case: 'version' as const, value: 1 } }, dataset: { name: 'book' } };
    it('a language model asked as a classifier: FAILED_PRECONDITION naming task', async () => {
      const err = await refusal(unary(s.client.evaluate.bind(s.client), evaluator.EvaluateRequest.fromPartial({ ...lm, task: evaluator.EvalTask.EVAL_TASK_CLASSIFICATION })));
      assert.equal(err.kind, 'FAILED_PRECONDITION');
      assert.equal(err.field, 'task');
    });
    it('a classifier asked as a language model: FAILED_PRECONDITION naming task', async () => {
      const err = await refusal(
        unary(s.client.evaluate.bind(s.client), evaluator.EvaluateRequest.fromPartial({ ...lm, model: { name: 'classifier', selector: { $case: 'version', value: 1 } }, task: evaluator.EvalTask.EVAL_TASK_LANGUAGE_MODELING })),
      );
      assert.equal(err.kind, 'FAILED_PRECONDITION');
      assert.equal(err.field, 'task');
    });
    it('CompareVariants of a language model (no per-record predictions to pair): FAILED_PRECONDITION naming model', async () => {
      const err = await refusal(unary(s.client.compareVariants.bind(s.client), evaluator.CompareVariantsRequest.fromPartial({ ...lm, split: 'test' })));
      assert.equal(err.kind, 'FAILED_PRECONDITION');
      assert.equal(err.field, 'model');
    });
    it('an unknown split: INVALID_ARGUMENT naming split', async () => {
      const err = await refusal(unary(s.client.evaluate.bind(s.client), evaluator.EvaluateRequest.fromPartial({ ...lm, split: 'nope' })));
      assert.equal(err.kind, 'INVALID_ARGUMENT');
      assert.equal(err.field, 'split');
    });
    it('a window past 4096: INVALID_ARGUMENT naming window', async () => {
      const err = await refusal(unary(s.client.evaluate.bind(s.client), evaluator.EvaluateRequest.fromPartial({ ...lm, window: 5000 })));
      assert.equal(err.kind, 'INVALID_ARGUMENT');
      assert.equal(err.field, 'window');
    });
  });
});
