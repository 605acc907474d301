import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { exportOnnx, padIdLists, type ExportModelSpec } from '../src/export';
import { maxAbsDiff, runOnnx, seededIds, seededValues, useCpuBackend } from './export-helpers';

const VOCABULARY = 50;
const DIM = 6;

/** The embedding bag in tfjs ops, as the trainer's text classifier defines it: padded ids, -1 = none. */
function tfjsEmbeddingBag(table: Float32Array, ids: number[], dims: [number, number], combiner: 'sum' | 'mean'): tf.Tensor2D {
  return tf.tidy(() => {
    const idTensor = tf.tensor2d(ids, dims, 'int32');
    const mask = tf.cast(tf.greaterEqual(idTensor, 0), 'float32');
    const rows = tf.gather(tf.tensor2d(table, [VOCABULARY, DIM]), tf.maximum(idTensor, tf.scalar(0, 'int32')));
    const sum = tf.sum(tf.mul(rows, tf.expandDims(mask, 2)), 1);
    return (combiner === 'sum' ? sum : tf.div(sum, tf.maximum(tf.sum(mask, 1, true), 1))) as tf.Tensor2D;
  });
}

function textClassifier(table: Float32Array, combiner: 'sum' | 'mean'): ExportModelSpec {
  return {
    inputShape: [-1],
    inputName: 'ngram_ids',
    outputName: 'probabilities',
    classNames: ['ham', 'spam'],
    layers: [
      { kind: 'embedding_bag', table, vocabularySize: VOCABULARY, dim: DIM, combiner },
      { kind: 'dense', kernel: seededValues(DIM * 2, 21), bias: seededValues(2, 22), inputSize: DIM, units: 2, activation: 'softmax' },
    ],
  };
}

describe('exportOnnx: embedding bag over hashed n-gram ids', () => {
  before(useCpuBackend);

  for (const combiner of ['mean', 'sum'] as const) {
    it(`${combiner}: rows of different lengths, padded with -1, and a row without ids match tfjs within 1e-5`, async () => {
      const table = seededValues(VOCABULARY * DIM, 20);
      const { data, dims } = padIdLists([seededIds(7, VOCABULARY, 1), seededIds(2, VOCABULARY, 2), [], [3, 3, 3]]);
      const bag = tfjsEmbeddingBag(table, data, dims, combiner);
      const dense = textClassifier(table, combiner).layers[1];
      assert.ok(dense?.kind === 'dense');
      const expected = tf.tidy(() =>
        tf.softmax(tf.add(tf.matMul(bag, tf.tensor2d(dense.kernel, [DIM, 2])), tf.tensor1d(dense.bias ?? new Float32Array(2)))).dataSync(),
      );

      const exported = exportOnnx(textClassifier(table, combiner));
      const actual = await runOnnx(exported.bytes, 'ngram_ids', { type: 'int64', data, dims }, 'probabilities');

      assert.deepEqual(actual.dims, [4, 2]);
      assert.ok(maxAbsDiff(actual.data, expected) < 1e-5, `max abs diff ${maxAbsDiff(actual.data, expected)}`);
    });
  }

  it('padding does not change a row: the same ids padded to different widths give the same output', async () => {
    const exported = exportOnnx(textClassifier(seededValues(VOCABULARY * DIM, 23), 'mean'));
    const ids = [4, 9, 4, 17];

    const narrow = await runOnnx(exported.bytes, 'ngram_ids', { type: 'int64', data: ids, dims: [1, 4] }, 'probabilities');
    const wide = await runOnnx(exported.bytes, 'ngram_ids', { type: 'int64', data: [...ids, -1, -1, -1], dims: [1, 7] }, 'probabilities');

    assert.ok(maxAbsDiff(narrow.data, wide.data) < 1e-7);
  });

  it('the signature is INT64 ids [-1, -1] in and FP32 [-1, classes] out', () => {
    const exported = exportOnnx(textClassifier(seededValues(VOCABULARY * DIM, 24), 'sum'));

    assert.deepEqual(
      exported.signature.inputs.map((t) => [t.name, t.datatype, t.shape]),
      [['ngram_ids', 'INT64', [-1, -1]]],
    );
    assert.deepEqual(
      exported.signature.outputs.map((t) => [t.name, t.datatype, t.shape]),
      [['probabilities', 'FP32', [-1, 2]]],
    );
  });
});
