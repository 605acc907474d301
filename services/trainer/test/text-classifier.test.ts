import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { L1g1Error } from '@l1g1/kit';
import { AdamW, train } from '../src/engine';
import { exportOnnx, padIdLists } from '../src/export';
import { createModel, type BuiltModel, type TextExample } from '../src/models';
import { maxAbsDiff, runOnnx, useCpuBackend } from './export-helpers';

const VOCAB = 64;
const DIM = 4;

function smallClassifier(hiddenUnits: number[] = [8], seed = 3): BuiltModel<TextExample> {
  return createModel(
    { architecture: { $case: 'textClassifier', value: { features: 1, vocabSize: VOCAB, wordNgramMax: 1, charNgramMin: 0, charNgramMax: 0, maxTokens: 50, embeddingDim: DIM, encoderHiddenSize: 0, hiddenUnits, dropout: 0, multiLabel: false } } },
    ['ham', 'spam'],
    seed,
  ) as BuiltModel<TextExample>;
}

const invalid = (field: string) => (e: unknown) => e instanceof L1g1Error && e.kind === 'INVALID_ARGUMENT' && e.field === field;

async function oneStep(model: BuiltModel<TextExample>, batch: TextExample[], lr = 0.01): Promise<void> {
  const optimizer = new AdamW({ learningRate: lr });
  // checkpoint_every 1: the checkpoint hook copies the table and its moments into `weights`
  await train({ epochs: 1, batchSize: batch.length, optimizer, seed: 1, checkpointEvery: 1, onCheckpoint: () => undefined }, model.trainable, async function* () {
    yield* batch;
  });
  optimizer.dispose();
}

describe('text classifier (hashed n-grams → embedding bag → MLP)', () => {
  before(useCpuBackend);

  it('one step changes only the embedding rows the batch used; the other rows and their moments stay bit-identical', async () => {
    const model = smallClassifier();
    const weights = model.trainable.weights;
    const tableOf = () => {
      const layer = model.exportSpec().layers[0];
      assert.ok(layer?.kind === 'embedding_bag');
      return layer.table;
    };
    const before = tableOf();
    const used = new Set([3, 9, 17]);

    await oneStep(model, [
      { ids: [3, 9, 3], label: 0 },
      { ids: [17], label: 1 },
      { ids: [], label: 1 },
    ]);

    const after = tableOf();
    assert.deepEqual(weights['embedding/table']?.dataSync(), after, 'the checkpointed table is the live one');
    const m = weights['embedding/adamw_m']?.dataSync() ?? new Float32Array();
    for (let row = 0; row < VOCAB; row++) {
      const slice = (a: ArrayLike<number>) => Array.from({ length: DIM }, (_, j) => a[row * DIM + j] as number);
      if (used.has(row)) {
        assert.notDeepEqual(slice(after), slice(before), `row ${row} was used and must move`);
        assert.ok(slice(m).some((x) => x !== 0), `row ${row} must have a first moment`);
      } else {
        assert.deepEqual(slice(after), slice(before), `row ${row} was not used`);
        assert.deepEqual(slice(m), [0, 0, 0, 0], `row ${row} must have no moment`);
      }
    }
    model.dispose();
  });

  it('exact resume: a run resumed from a mid-run checkpoint ends with the uninterrupted run’s table, bit for bit', async () => {
    const data: TextExample[] = Array.from({ length: 24 }, (_, i) => ({ ids: [i % VOCAB, (i * 7) % VOCAB, (i * 13) % VOCAB], label: i % 2 }));
    const source = async function* () {
      yield* data;
    };
    const tableOf = (m: BuiltModel<TextExample>) => (m.exportSpec().layers[0] as { table: Float32Array }).table;

    const whole = smallClassifier([], 9);
    await train({ epochs: 2, batchSize: 4, optimizer: new AdamW({ learningRate: 0.05 }), seed: 4 }, whole.trainable, source);

    const first = smallClassifier([], 9);
    let saved: Buffer | undefined;
    await train(
      { epochs: 2, batchSize: 4, optimizer: new AdamW({ learningRate: 0.05 }), seed: 4, checkpointEvery: 5, onCheckpoint: (bytes, at) => void (at.step === 5 ? (saved = bytes) : undefined) },
      first.trainable,
      source,
    );
    const resumed = smallClassifier([], 9);
    await train({ epochs: 2, batchSize: 4, optimizer: new AdamW({ learningRate: 0.05 }), seed: 4, resumeFrom: saved }, resumed.trainable, source);

    assert.ok(saved !== undefined);
    assert.deepEqual(tableOf(resumed), tableOf(whole));
    assert.notDeepEqual(tableOf(smallClassifier([], 9)), tableOf(whole), 'training moved the table');
    for (const m of [whole, first, resumed]) m.dispose();
  });

  it('the loop differentiates a [unique ids, dim] variable, not the [vocab, dim] table', () => {
    const model = smallClassifier();
    const sparse = model.trainable.sparse;
    assert.ok(sparse !== undefined);
    const [rows] = sparse.gather([{ ids: [5, 5, 60], label: 0 }, { ids: [7], label: 1 }]);
    try {
      assert.deepEqual(rows?.shape, [3, DIM]);
      assert.equal(rows?.trainable, true);
      assert.equal(model.trainable.weights['embedding/table']?.trainable, false);
    } finally {
      sparse.release();
      model.dispose();
    }
  });

  it('a trained model exports to ONNX whose probabilities match tfjs within 1e-5 (padded ids, a row without ids)', async () => {
    const model = smallClassifier([8, 6]);
    const examples: TextExample[] = [
      { ids: [1, 2, 3], label: 0 },
      { ids: [40, 41], label: 1 },
      { ids: [3, 40], label: 0 },
      { ids: [63], label: 1 },
    ];
    const optimizer = new AdamW({ learningRate: 0.05 });
    await train({ epochs: 3, batchSize: 2, optimizer, seed: 5 }, model.trainable, async function* () {
      yield* examples;
    });
    const probe = [[1, 2, 3], [40, 41, 63, 63], [], [5]];
    const spec = model.exportSpec();
    const expected = tf.tidy(() => {
      const table = tf.tensor2d(spec.layers[0]?.kind === 'embedding_bag' ? spec.layers[0].table : new Float32Array(), [VOCAB, DIM]);
      const bag = tf.stack(probe.map((ids) => (ids.length === 0 ? tf.zeros([DIM]) : tf.mean(tf.gather(table, ids), 0))));
      let x = bag as tf.Tensor2D;
      for (const layer of spec.layers.slice(1)) {
        assert.ok(layer.kind === 'dense');
        x = tf.add(tf.matMul(x, tf.tensor2d(layer.kernel, [layer.inputSize, layer.units])), tf.tensor1d(layer.bias ?? new Float32Array(layer.units)));
        x = layer.activation === 'relu' ? tf.relu(x) : tf.softmax(x);
      }
      return x.dataSync();
    });
    const { data, dims } = padIdLists(probe);

    const actual = await runOnnx(exportOnnx(spec).bytes, 'ngram_ids', { type: 'int64', data, dims }, 'probabilities');

    assert.deepEqual(actual.dims, [4, 2]);
    assert.ok(maxAbsDiff(actual.data, expected) < 1e-5, `max abs diff ${maxAbsDiff(actual.data, expected)}`);
    assert.equal(JSON.parse(exportOnnx(spec).metadata.class_names ?? '[]')[1], 'spam');
    optimizer.dispose();
    model.dispose();
  });

  it('the ONNX model and the model in tfjs pick the same classes on featurized text', async () => {
    const model = smallClassifier([], 11);
    const records = [
      { data: 'win money now', metadata: { label: 'spam' } },
      { data: new TextEncoder().encode('meeting notes attached'), metadata: { label: 'ham' } },
    ];
    const examples = model.featurize(records);
    const tfjs = model.evaluate(examples);
    const { data, dims } = padIdLists(examples.map((e) => e.ids));
    const onnx = await runOnnx(exportOnnx(model.exportSpec()).bytes, 'ngram_ids', { type: 'int64', data, dims }, 'probabilities');
    const onnxCorrect = examples.filter((e, i) => ((onnx.data[i * 2 + 1] as number) > (onnx.data[i * 2] as number) ? 1 : 0) === e.label).length;

    assert.equal(onnxCorrect / examples.length, tfjs.accuracy);
    model.dispose();
  });

  it('featurize refuses a record without a label or with an unknown one, naming data.label_field', () => {
    const model = smallClassifier();
    assert.throws(() => model.featurize([{ data: 'x', metadata: {} }]), invalid('data.label_field'));
    assert.throws(() => model.featurize([{ data: 'x', metadata: { label: 'eggs' } }]), invalid('data.label_field'));
    assert.deepEqual(model.featurize([{ data: 'x', metadata: { category: 'spam' } }], 'category')[0]?.label, 1);
    model.dispose();
  });

  it('createModel refuses bad specs with INVALID_ARGUMENT naming the field', () => {
    const base = { features: 1, vocabSize: 0, wordNgramMax: 0, charNgramMin: 0, charNgramMax: 0, maxTokens: 0, embeddingDim: 0, encoderHiddenSize: 0, hiddenUnits: [] as number[], dropout: 0, multiLabel: false };
    const make = (value: Partial<typeof base>, classNames = ['a', 'b']) => () => createModel({ architecture: { $case: 'textClassifier', value: { ...base, ...value } } }, classNames, 1);
    assert.throws(() => createModel({ architecture: undefined }, ['a', 'b'], 1), invalid('architecture'));
    assert.throws(make({ hiddenUnits: [0] }), invalid('architecture.text_classifier.hidden_units[0]'));
    assert.throws(make({ dropout: 1 }), invalid('architecture.text_classifier.dropout'));
    assert.throws(make({ vocabSize: 1 << 25 }), invalid('architecture.text_classifier.vocab_size'));
    assert.throws(make({ features: 2 }), invalid('architecture.text_classifier.features'));
    assert.throws(make({}, ['only']), invalid('architecture.class_names'));
  });

  it('tags carry the preprocess recipe with the model’s own vocab size', () => {
    const model = smallClassifier();
    assert.equal(JSON.parse(model.tags().preprocess ?? '{}').vocab_size, VOCAB);
    model.dispose();
  });
});
