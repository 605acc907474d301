import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { L1g1Error } from '@l1g1/kit';
import type { trainer } from '@l1g1/contracts';
import { AdamW, registerWasmKernels, train } from '../src/engine';
import { exportOnnx } from '../src/export';
import { createGruLm, createModel, gruLmConfig, type GruLmModel, type RecordInput, tokenizeForVocabulary as tokenize } from '../src/models';
import { maxAbsDiff, runOnnx, useCpuBackend } from './export-helpers';
import { mobyDickRecords } from './support/moby-dick';

function gruSpec(overrides: Partial<trainer.GruSpec> = {}, lm: Partial<trainer.GruLanguageModel> = {}): trainer.GruSpec {
  return {
    inputDim: 0,
    hiddenSize: 64,
    numLayers: 1,
    bidirectional: false,
    maxSteps: 32,
    dropout: 0,
    languageModel: { level: 1, maxVocab: 0, embeddingDim: 16, ...lm },
    ...overrides,
  };
}

const lmOf = (spec: trainer.GruSpec, seed = 3) => createModel({ architecture: { $case: 'gru', value: spec } }, [], seed) as GruLmModel;
const invalid = (field: string) => (e: unknown) => e instanceof L1g1Error && e.kind === 'INVALID_ARGUMENT' && e.field === field;
const text = (data: string): RecordInput => ({ data, metadata: {} });

/** exp of the mean negative log-likelihood of `held` under the training text's char frequencies (add-one smoothed). */
function unigramPerplexity(training: readonly string[], held: readonly string[]): number {
  const counts = new Map<string, number>();
  let total = 0;
  for (const t of training) for (const c of tokenize(t, 'char')) (counts.set(c, (counts.get(c) ?? 0) + 1), (total += 1));
  const kinds = counts.size + 1;
  let nll = 0;
  let n = 0;
  for (const t of held) for (const c of tokenize(t, 'char')) (nll -= Math.log(((counts.get(c) ?? 0) + 1) / (total + kinds)), (n += 1));
  return Math.exp(nll / n);
}

describe('GRU language model (tokens → embedding → GRU → next-token softmax)', () => {
  afterEach(useCpuBackend);

  it('on Moby Dick, held-out perplexity after a short run falls well below its initial value and below the unigram perplexity', async function () {
    this.timeout(180_000);
    assert.equal(await tf.setBackend('wasm'), true);
    registerWasmKernels(tf);
    const book = mobyDickRecords();
    // chapters 1–20 train, chapters 21–22 are held out (different text, same book)
    const trainRecords = book.slice(3, 23);
    const heldRecords = book.slice(23, 25);
    const model = lmOf(gruSpec());
    const trainSet = model.featurize(trainRecords);
    const heldSet = model.featurize(heldRecords);
    const initial = model.evaluate(heldSet);
    const optimizer = new AdamW({ learningRate: 0.01, weightDecay: 0.0001 });
    const steps = 100; // 3,200 windows of 32 chars, about half the training chapters
    await train({ epochs: 1, batchSize: 32, optimizer, seed: 42 }, model.trainable, async function* () {
      yield* trainSet.slice(0, steps * 32);
    });
    const after = model.evaluate(heldSet);
    const unigram = unigramPerplexity(trainRecords.map((r) => r.data as string), heldRecords.map((r) => r.data as string));
    optimizer.dispose();
    model.dispose();
    const report = `initial ${initial.perplexity.toFixed(2)}, unigram ${unigram.toFixed(2)}, after ${after.perplexity.toFixed(2)} (next-char accuracy ${after.accuracy.toFixed(3)})`;
    console.log(`      held-out perplexity: ${report}`);
    assert.ok(initial.perplexity > 60, `an untrained model is near uniform over ~89 chars: ${report}`);
    assert.ok(after.perplexity < initial.perplexity / 4, report);
    assert.ok(after.perplexity < unigram, report);
    assert.ok(Math.abs(after.perplexity - Math.exp(after.loss)) < 1e-9, 'perplexity is e^loss');
  });

  it('a trained 2-layer LM exports to ONNX whose next-token probabilities match tfjs within 1e-5', async () => {
    await useCpuBackend();
    const model = createGruLm(gruLmConfig(gruSpec({ hiddenSize: 12, numLayers: 2, maxSteps: 8 }, { embeddingDim: 6 })), 4);
    const windows = model.featurize([text('the cat sat on the mat; the rat ate the hat. '.repeat(4))]);
    const optimizer = new AdamW({ learningRate: 0.03 });
    await train({ epochs: 2, batchSize: 4, optimizer, seed: 9 }, model.trainable, async function* () {
      yield* windows;
    });
    const probe = windows.slice(0, 3);
    const ids = probe.flatMap((w) => Array.from(w.subarray(0, 8)));
    const exported = exportOnnx(model.exportSpec());
    const onnx = await runOnnx(exported.bytes, 'token_ids', { type: 'int64', data: ids, dims: [3, 8] }, 'probabilities');
    const tfjs = model.probabilities(probe);
    const V = model.classNames.length;
    assert.deepEqual(onnx.dims, [3, 8, V]);
    assert.ok(maxAbsDiff(onnx.data, tfjs) <= 1e-5, `max |onnx - tfjs| = ${maxAbsDiff(onnx.data, tfjs)}`);
    assert.deepEqual(JSON.parse(exported.metadata.class_names ?? '[]'), model.classNames);
    optimizer.dispose();
    model.dispose();
  });

  it('builds its vocabulary from the first featurize call: <unk> first, then by frequency; unseen tokens map to <unk>; the preprocess tag carries it', () => {
    const model = lmOf(gruSpec({ maxSteps: 2 }, { maxVocab: 4 }));
    assert.throws(() => model.tags(), (e: unknown) => e instanceof L1g1Error && e.kind === 'FAILED_PRECONDITION');
    const windows = model.featurize([text('aaabbc'), text('d')]);
    assert.deepEqual(model.classNames, ['<unk>', 'a', 'b', '\n']);
    // stream: a a a b b c \n d → 1 1 1 2 2 0 3 0; windows of 3, stride 2
    assert.deepEqual(windows.map((w) => Array.from(w)), [[1, 1, 1], [1, 2, 2], [2, 0, 3]]);
    assert.deepEqual(Array.from(model.featurize([text('zab')])[0] ?? []), [0, 1, 2], 'the vocabulary stays fixed after the first call');
    const tag = JSON.parse(model.tags().preprocess ?? '{}') as { vocabulary: string[]; level: string; unknown_id: number };
    assert.deepEqual({ vocabulary: tag.vocabulary, level: tag.level, unknown_id: tag.unknown_id }, { vocabulary: ['<unk>', 'a', 'b', '\n'], level: 'char', unknown_id: 0 });
    model.dispose();
  });

  it('training text shorter than one window is refused naming architecture.gru.max_steps, and the model stays unfitted', () => {
    const model = lmOf(gruSpec({ maxSteps: 10 }));
    assert.throws(() => model.featurize([text('short')]), invalid('architecture.gru.max_steps'));
    assert.deepEqual(model.classNames, []);
    assert.equal(model.featurize([text('long enough to cut one window')]).length, 2, 'a later call with enough text fits');
    model.dispose();
  });

  it('exact resume: a run resumed from a mid-run checkpoint ends with the uninterrupted run’s weights, bit for bit', async () => {
    await useCpuBackend();
    const spec = gruSpec({ hiddenSize: 8, maxSteps: 6 }, { embeddingDim: 4 });
    const corpus = [text('it was the best of times, it was the worst of times, it was the age of wisdom')];
    const run = async (options: { checkpointAt?: number; resumeFrom?: Uint8Array }) => {
      const model = lmOf(spec, 11);
      const windows = model.featurize(corpus);
      let saved: Buffer | undefined;
      const optimizer = new AdamW({ learningRate: 0.02 });
      await train(
        {
          epochs: 3,
          batchSize: 3,
          optimizer,
          seed: 8,
          ...(options.resumeFrom !== undefined ? { resumeFrom: options.resumeFrom } : {}),
          ...(options.checkpointAt !== undefined ? { checkpointEvery: options.checkpointAt, onCheckpoint: (bytes: Buffer, at: { step: number }) => void (at.step === options.checkpointAt ? (saved = bytes) : undefined) } : {}),
        },
        model.trainable,
        async function* () {
          yield* windows;
        },
      );
      const values = Object.fromEntries(Object.entries(model.trainable.weights).map(([k, v]) => [k, Array.from(v.dataSync())]));
      optimizer.dispose();
      model.dispose();
      return { values, saved };
    };
    const whole = await run({});
    const first = await run({ checkpointAt: 4 });
    assert.ok(first.saved !== undefined);
    const resumed = await run({ resumeFrom: first.saved });
    assert.deepEqual(resumed.values, whole.values);
    assert.deepEqual(Object.keys(whole.values).sort(), ['dense/bias', 'dense/kernel', 'embedding', 'gru_0/input_bias', 'gru_0/kernel', 'gru_0/recurrent_bias', 'gru_0/recurrent_kernel']);
  });

  it('word level: words and punctuation marks are tokens', () => {
    assert.deepEqual(tokenize("Call me Ishmael. Don't!", 'word'), ['Call', 'me', 'Ishmael', '.', "Don't", '!']);
    const model = lmOf(gruSpec({ maxSteps: 2 }, { level: 2 }));
    model.featurize([text('a b a. a b')]);
    assert.deepEqual(model.classNames, ['<unk>', 'a', 'b', '.']);
    model.dispose();
  });

  it('refuses bad specs naming architecture.gru.<field>', () => {
    assert.throws(() => lmOf(gruSpec({ maxSteps: -1 })), invalid('architecture.gru.max_steps'));
    assert.throws(() => lmOf(gruSpec({ maxSteps: 5000 })), invalid('architecture.gru.max_steps'));
    assert.throws(() => lmOf(gruSpec({ hiddenSize: -4 })), invalid('architecture.gru.hidden_size'));
    assert.throws(() => lmOf(gruSpec({ numLayers: 9 })), invalid('architecture.gru.num_layers'));
    assert.throws(() => lmOf(gruSpec({ bidirectional: true })), invalid('architecture.gru.bidirectional'));
    assert.throws(() => lmOf(gruSpec({ dropout: -0.1 })), invalid('architecture.gru.dropout'));
    assert.throws(() => lmOf(gruSpec({}, { maxVocab: 1 })), invalid('architecture.gru.language_model.max_vocab'));
    assert.throws(() => lmOf(gruSpec({}, { embeddingDim: -1 })), invalid('architecture.gru.language_model.embedding_dim'));
    assert.throws(() => lmOf(gruSpec({}, { level: 7 as trainer.TokenLevel })), invalid('architecture.gru.language_model.level'));
    assert.throws(() => lmOf({ ...gruSpec(), languageModel: undefined }), invalid('architecture.gru.language_model'));
  });
});
