import * as tf from '@tensorflow/tfjs';
import type { LocalBag } from './sparse-embedding';

/**
 * `[bags.length, dim]`: each bag's weighted mean of `rows` (`[n, dim]`, the distinct rows the
 * batch reads), weights an id's count over the bag's id count: the exported graph's masked mean
 * over the padded id matrix.
 *
 * Computed in JS over the bags' ids, with a custom gradient doing the same walk backwards
 * (`dRows[r] += w · dPooled[b]`): O(ids · dim) each way. The dense formulation, a `[batch, n]`
 * weight matrix times `rows`, costs O(batch · n · dim) forward and again for its gradient, and
 * n grows with the batch (≈ 5,000 distinct ids for 32 mails): three tfjs cpu matmuls were most
 * of a training step.
 */
export function embeddingBagMean(rows: tf.Tensor2D, bags: readonly LocalBag[]): tf.Tensor2D {
  const [n, dim] = rows.shape;
  const weights = bags.map((bag) => {
    const total = bag.counts.reduce((x, y) => x + y, 0);
    return bag.counts.map((c) => c / total);
  });
  // customGrad passes its inputs then a save function; the one input is `rows`.
  const op = tf.customGrad((...inputs: unknown[]) => {
    const pooled = new Float32Array(bags.length * dim);
    walk(bags, weights, dim, (inputs[0] as tf.Tensor2D).dataSync() as Float32Array, pooled, 'rows_to_bags');
    return {
      value: tf.tensor2d(pooled, [bags.length, dim]),
      gradFunc: (dy: tf.Tensor) => {
        const grad = new Float32Array(n * dim);
        walk(bags, weights, dim, dy.dataSync() as Float32Array, grad, 'bags_to_rows');
        return tf.tensor2d(grad, [n, dim]);
      },
    };
  });
  return op(rows) as tf.Tensor2D;
}

/**
 * `to += w · from` over every (bag b, row r, weight w) of the bags: rows → bags is the mean
 * (`to[b] += w · from[r]`), bags → rows its gradient (`to[r] += w · from[b]`).
 */
function walk(bags: readonly LocalBag[], weights: readonly number[][], dim: number, from: Float32Array, to: Float32Array, direction: 'rows_to_bags' | 'bags_to_rows'): void {
  const toBags = direction === 'rows_to_bags';
  bags.forEach((bag, b) => {
    const w = weights[b] as number[];
    bag.rows.forEach((r, k) => {
      const wk = w[k] as number;
      const src = toBags ? r * dim : b * dim;
      const dst = toBags ? b * dim : r * dim;
      for (let j = 0; j < dim; j++) to[dst + j] = (to[dst + j] as number) + wk * (from[src + j] as number);
    });
  });
}
