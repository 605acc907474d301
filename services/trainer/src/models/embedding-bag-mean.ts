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
    const table = (inputs[0] as tf.Tensor2D).dataSync() as Float32Array;
    const pooled = new Float32Array(bags.length * dim);
    bags.forEach((bag, b) => {
      const w = weights[b] as number[];
      const out = b * dim;
      bag.rows.forEach((r, k) => {
        const wk = w[k] as number;
        const at = r * dim;
        for (let j = 0; j < dim; j++) pooled[out + j] = (pooled[out + j] as number) + wk * (table[at + j] as number);
      });
    });
    return {
      value: tf.tensor2d(pooled, [bags.length, dim]),
      gradFunc: (dy: tf.Tensor) => {
        const g = dy.dataSync() as Float32Array;
        const grad = new Float32Array(n * dim);
        bags.forEach((bag, b) => {
          const w = weights[b] as number[];
          const from = b * dim;
          bag.rows.forEach((r, k) => {
            const wk = w[k] as number;
            const at = r * dim;
            for (let j = 0; j < dim; j++) grad[at + j] = (grad[at + j] as number) + wk * (g[from + j] as number);
          });
        });
        return tf.tensor2d(grad, [n, dim]);
      },
    };
  });
  return op(rows) as tf.Tensor2D;
}
