import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { embeddingBagMean } from '../src/models/embedding-bag-mean';
import type { LocalBag } from '../src/models/sparse-embedding';
import { useCpuBackend } from './export-helpers';

/** The dense formulation it replaces: a `[batch, n]` matrix of count / total, times the rows. */
function denseMean(rows: tf.Tensor2D, bags: readonly LocalBag[]): tf.Tensor2D {
  const n = rows.shape[0];
  const w = new Float32Array(bags.length * n);
  bags.forEach((bag, b) => {
    const total = bag.counts.reduce((x, y) => x + y, 0);
    bag.rows.forEach((r, k) => (w[b * n + r] = (bag.counts[k] as number) / total));
  });
  return tf.matMul(tf.tensor2d(w, [bags.length, n]), rows);
}

describe('embedding bag mean (sparse forward and custom gradient)', () => {
  before(useCpuBackend);

  it('gives the dense matmul formulation’s means and gradient (a bag with repeats, one sharing rows, one row unread)', () => {
    const rows = tf.tensor2d([1, 2, 3, -1, 0.5, 4, 7, 7, 7, 2, -3, 0.25], [4, 3]);
    const bags: LocalBag[] = [
      { rows: [0, 2], counts: [3, 1] },
      { rows: [2, 1], counts: [1, 1] },
      { rows: [1], counts: [2] },
    ];
    const probe = tf.tensor2d([0.3, -1, 2, 1, 1, 1, -2, 0.5, 4], [3, 3]);
    const loss = (f: typeof denseMean) => (r: tf.Tensor) => tf.sum(tf.mul(f(r as tf.Tensor2D, bags), probe));
    const sparse = tf.grad(loss(embeddingBagMean))(rows);
    const dense = tf.grad(loss(denseMean))(rows);
    assert.deepEqual(Array.from(embeddingBagMean(rows, bags).dataSync()).map((x) => +x.toFixed(5)), Array.from(denseMean(rows, bags).dataSync()).map((x) => +x.toFixed(5)));
    assert.deepEqual(Array.from(sparse.dataSync()).map((x) => +x.toFixed(5)), Array.from(dense.dataSync()).map((x) => +x.toFixed(5)));
    // the unread row 3 gets exactly zero: the lazy AdamW skips it
    assert.deepEqual(Array.from(sparse.dataSync().slice(9)), [0, 0, 0]);
  });
});
