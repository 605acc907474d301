import * as tf from '@tensorflow/tfjs';
import type { SparseRows } from '../engine/train-loop';
import type { SparseAdamW } from './sparse-adamw';

/** An embedding table trained row-sparse; see {@link createSparseEmbedding}. */
export interface SparseEmbedding {
  /** `[vocabularySize, dim]`, not trainable by the dense optimizer (the loop never differentiates it). */
  readonly table: tf.Variable;
  /** The table and its AdamW moments, for the checkpoint (exact resume needs the moments). */
  readonly weights: Readonly<Record<string, tf.Variable>>;
  /** The loop's hook; `idsOf` gives an example's ids into the table. */
  sparse<E>(idsOf: (example: E) => readonly number[]): SparseRows<E>;
  /** During a step: each example's ids renumbered into {@link batchRows}. */
  localIds(): readonly (readonly number[])[];
  /** During a step: `[uniqueIds, dim]`, the rows the batch reads, the variable the loss is differentiated by. */
  batchRows(): tf.Tensor2D;
}

/**
 * A row-sparse embedding table with lazy AdamW (TensorFlow Addons' LazyAdam, PyTorch's
 * SparseAdam plus decoupled weight decay): per step, the batch's distinct ids are gathered into
 * a small trainable variable; the loss reads the rows through it, so its gradient is
 * `[uniqueIds, dim]`, never `[vocabularySize, dim]`; then only those rows get the moment
 * update, the weight decay and the step, with the global step's bias correction. Rows the batch
 * did not read stay bit-identical (their moments too), unlike dense AdamW, which would decay
 * every row and keep moving rows with old momentum.
 *
 * The write-back is `tensorScatterUpdate`, which in tfjs returns a new table (a copy, no
 * arithmetic, per step); tfjs has no in-place scatter into a variable.
 */
export function createSparseEmbedding(name: string, init: Float32Array, vocabularySize: number, dim: number, adamw: SparseAdamW): SparseEmbedding {
  const table = tf.variable(tf.tensor2d(init, [vocabularySize, dim]), false, `${name}/table`);
  const m = tf.variable(tf.zeros([vocabularySize, dim]), false, `${name}/adamw_m`);
  const v = tf.variable(tf.zeros([vocabularySize, dim]), false, `${name}/adamw_v`);
  let current: { unique: number[]; local: number[][]; rows: tf.Variable } | undefined;
  let batches = 0;

  const during = () => {
    if (current === undefined) throw new Error('the sparse embedding is read outside a training step');
    return current;
  };

  return {
    table,
    weights: { 'embedding/table': table, 'embedding/adamw_m': m, 'embedding/adamw_v': v },
    localIds: () => during().local,
    batchRows: () => during().rows as tf.Tensor as tf.Tensor2D,
    sparse<E>(idsOf: (example: E) => readonly number[]): SparseRows<E> {
      return {
        gather(batch) {
          const position = new Map<number, number>();
          const unique: number[] = [];
          const local = batch.map((example) =>
            idsOf(example).map((id) => {
              let p = position.get(id);
              if (p === undefined) {
                p = unique.length;
                position.set(id, p);
                unique.push(id);
              }
              return p;
            }),
          );
          // A batch without a single id still needs one row for the gather's shape; its
          // gradient is zero (every position is padding), so the row only gets the decay.
          if (unique.length === 0) unique.push(0);
          const rows = tf.variable(
            tf.tidy(() => tf.gather(table, tf.tensor1d(unique, 'int32'))),
            true,
            `${name}/batch_rows_${batches++}`,
          );
          current = { unique, local, rows };
          return [rows];
        },
        apply(grads, { lr, step }) {
          const { unique, rows } = during();
          const g = grads[rows.name];
          if (g === undefined) return;
          const { beta1, beta2, epsilon, weightDecay } = adamw;
          tf.tidy(() => {
            const at = tf.tensor1d(unique, 'int32');
            const where = tf.reshape(at, [unique.length, 1]);
            const mRows = tf.add(tf.mul(tf.gather(m, at), beta1), tf.mul(g, 1 - beta1));
            const vRows = tf.add(tf.mul(tf.gather(v, at), beta2), tf.mul(tf.square(g), 1 - beta2));
            const update = tf.div(tf.div(mRows, 1 - beta1 ** step), tf.add(tf.sqrt(tf.div(vRows, 1 - beta2 ** step)), epsilon));
            const next = tf.sub(tf.mul(rows, 1 - lr * weightDecay), tf.mul(update, lr));
            table.assign(tf.tensorScatterUpdate(table, where, next));
            m.assign(tf.tensorScatterUpdate(m, where, mRows));
            v.assign(tf.tensorScatterUpdate(v, where, vRows));
          });
        },
        release() {
          current?.rows.dispose();
          current = undefined;
        },
      };
    },
  };
}
