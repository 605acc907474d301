import * as tf from '@tensorflow/tfjs';
import type { SparseRows } from '../engine/train-loop';
import type { SparseAdamW } from './sparse-adamw';

/** An example's ids after renumbering into the batch's rows: distinct ids and how often each occurs. */
export interface LocalBag {
  rows: number[];
  counts: number[];
}

/** An embedding table trained row-sparse; see {@link createSparseEmbedding}. */
export interface SparseEmbedding {
  /** The table, row-major `[vocabularySize, dim]`: the live values (read-only for callers). */
  readonly values: Float32Array;
  /** Checkpoint mirrors of the table and its AdamW moments (synced at checkpoints by the loop's hooks). */
  readonly weights: Readonly<Record<string, tf.Variable>>;
  /** The loop's hook; `idsOf` gives an example's ids into the table. */
  sparse<E>(idsOf: (example: E) => readonly number[]): SparseRows<E>;
  /** During a step: each example's distinct ids renumbered into {@link batchRows}, with counts. */
  localBags(): readonly LocalBag[];
  /** During a step: `[uniqueIds, dim]`, the rows the batch reads, the variable the loss is differentiated by. */
  batchRows(): tf.Tensor2D;
  /** Ragged id lists → the distinct ids and each list renumbered into them (at least one id). */
  bagsOf(lists: readonly (readonly number[])[]): { unique: number[]; bags: LocalBag[] };
  /** `[ids.length, dim]`: a copy of the rows `ids` name (for evaluation). */
  rowsOf(ids: readonly number[]): tf.Tensor2D;
  dispose(): void;
}

/**
 * A row-sparse embedding table with lazy AdamW (TensorFlow Addons' LazyAdam, PyTorch's
 * SparseAdam, plus decoupled weight decay): per step, the batch's distinct ids are gathered into
 * a small trainable variable; the loss reads the rows through it, so the gradient is
 * `[uniqueIds, dim]`, never `[vocabularySize, dim]`; then only those rows get the moment
 * update, the weight decay and the step, with the global step's bias correction. Rows the batch
 * did not read stay bit-identical (their moments too), where dense AdamW would decay every row
 * and keep moving rows on old momentum.
 *
 * The table and moments live in Float32Arrays updated in place: tfjs has no in-place scatter
 * into a variable (`tensorScatterUpdate` copies the whole table, 45 ms a step at 2^16 × 32 on
 * the cpu backend). The tf.Variables in `weights` are the checkpoint's copies, written by
 * `beforeCheckpoint` and read back by `afterRestore`, so exact resume covers the moments.
 */
export function createSparseEmbedding(name: string, init: Float32Array, vocabularySize: number, dim: number, adamw: SparseAdamW): SparseEmbedding {
  if (init.length !== vocabularySize * dim) throw new RangeError(`${name}: init holds ${init.length} values, not ${vocabularySize}×${dim}`);
  const values = init;
  const m = new Float32Array(values.length);
  const v = new Float32Array(values.length);
  const mirror = (suffix: string, data: Float32Array) => tf.variable(tf.tensor2d(data, [vocabularySize, dim]), false, `${name}/${suffix}`);
  const mirrors = { 'embedding/table': mirror('table', values), 'embedding/adamw_m': mirror('adamw_m', m), 'embedding/adamw_v': mirror('adamw_v', v) };
  const arrays: [tf.Variable, Float32Array][] = [
    [mirrors['embedding/table'], values],
    [mirrors['embedding/adamw_m'], m],
    [mirrors['embedding/adamw_v'], v],
  ];
  let current: { unique: number[]; local: LocalBag[]; rows: tf.Variable } | undefined;
  let batches = 0;

  const during = () => {
    if (current === undefined) throw new Error('the sparse embedding is read outside a training step');
    return current;
  };

  // Scratch tables indexed by id, reused by every bagsOf call (2 × 4 bytes per table row) and
  // reset after it: a Map per batch and one per example were half the step's JS time and most
  // of its garbage (the profile in the trainer-spam docs draft).
  const positionOf = new Int32Array(vocabularySize).fill(-1);
  const slotOf = new Int32Array(vocabularySize);
  const stampOf = new Int32Array(vocabularySize);
  let stamp = 0;

  const bagsOf = (lists: readonly (readonly number[])[]): { unique: number[]; bags: LocalBag[] } => {
    const unique: number[] = [];
    try {
      const bags = lists.map((ids) => {
        stamp = stamp === 0x7fffffff ? 1 : stamp + 1;
        if (stamp === 1) stampOf.fill(0); // wrapped: no stale stamp may equal a new one
        const rows: number[] = [];
        const counts: number[] = [];
        for (const id of ids) {
          if (!Number.isSafeInteger(id) || id < 0 || id >= vocabularySize) throw new RangeError(`${name}: id ${id} is outside [0, ${vocabularySize})`);
          let p = positionOf[id] as number;
          if (p < 0) {
            p = unique.length;
            positionOf[id] = p;
            unique.push(id);
          }
          if (stampOf[id] === stamp) {
            const k = slotOf[id] as number;
            counts[k] = (counts[k] as number) + 1;
          } else {
            stampOf[id] = stamp;
            slotOf[id] = rows.length;
            rows.push(p);
            counts.push(1);
          }
        }
        return { rows, counts };
      });
      // A batch without a single id still needs one row for the shapes; its gradient is zero
      // (no example weighs it), so `apply` leaves it alone.
      if (unique.length === 0) unique.push(0);
      return { unique, bags };
    } finally {
      for (const id of unique) positionOf[id] = -1;
    }
  };
  const rowsOf = (ids: readonly number[]): tf.Tensor2D => {
    const gathered = new Float32Array(ids.length * dim);
    ids.forEach((id, r) => gathered.set(values.subarray(id * dim, id * dim + dim), r * dim));
    return tf.tensor2d(gathered, [ids.length, dim]);
  };

  return {
    values,
    weights: mirrors,
    bagsOf,
    rowsOf,
    localBags: () => during().local,
    batchRows: () => during().rows as tf.Tensor as tf.Tensor2D,
    sparse<E>(idsOf: (example: E) => readonly number[]): SparseRows<E> {
      return {
        gather(batch) {
          const { unique, bags: local } = bagsOf(batch.map(idsOf));
          const initial = rowsOf(unique);
          const rows = tf.variable(initial, true, `${name}/batch_rows_${batches++}`);
          initial.dispose();
          current = { unique, local, rows };
          return [rows];
        },
        apply(grads, { lr, step }) {
          const { unique, rows } = during();
          const gradient = grads[rows.name];
          if (gradient === undefined) return;
          const g = gradient.dataSync();
          const { beta1, beta2, epsilon, weightDecay } = adamw;
          const correction1 = 1 - beta1 ** step;
          const correction2 = 1 - beta2 ** step;
          const decay = 1 - lr * weightDecay;
          for (let r = 0; r < unique.length; r++) {
            const id = unique[r] as number;
            const from = r * dim;
            let touched = false;
            for (let j = 0; j < dim && !touched; j++) touched = (g[from + j] as number) !== 0;
            if (!touched) continue; // the padding row of an id-less batch
            const base = id * dim;
            for (let j = 0; j < dim; j++) {
              const at = base + j;
              const gj = g[from + j] as number;
              const mj = beta1 * (m[at] as number) + (1 - beta1) * gj;
              const vj = beta2 * (v[at] as number) + (1 - beta2) * gj * gj;
              m[at] = mj;
              v[at] = vj;
              values[at] = (values[at] as number) * decay - lr * (mj / correction1 / (Math.sqrt(vj / correction2) + epsilon));
            }
          }
        },
        release() {
          current?.rows.dispose();
          current = undefined;
        },
        beforeCheckpoint() {
          for (const [variable, data] of arrays) variable.assign(tf.tensor2d(data, [vocabularySize, dim]));
        },
        afterRestore() {
          for (const [variable, data] of arrays) data.set(variable.dataSync());
        },
      };
    },
    dispose() {
      for (const [variable] of arrays) variable.dispose();
      current?.rows.dispose();
    },
  };
}
