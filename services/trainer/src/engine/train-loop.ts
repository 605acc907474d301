import * as tf from '@tensorflow/tfjs';
import { errors } from '@l1g1/kit';
import { restoreCheckpoint, saveCheckpoint, type TrainingParts, type TrainingState } from '../checkpoint/checkpoint';
import type { TrainingOptimizer } from '../optim/training-optimizer';
import { clipByGlobalNorm } from '../optim/clip-grad-norm';
import { createSeededRandom, type SeededRandom } from './seeded-random';
import { shuffled } from './shuffle-buffer';

/** A model as the loop sees it: named trainable variables and a loss over a batch of examples. */
export interface TrainableModel<E> {
  /** Trainable variables by a stable name (the checkpoint keys). */
  weights: Readonly<Record<string, tf.Variable>>;
  /** The mean loss of a batch, built from tensors the call creates (the loop runs it inside a tidy). */
  loss(batch: readonly E[], context: { rng: SeededRandom; training: true }): tf.Scalar;
  /** Row-sparse parameters (embedding tables), updated by the model itself: see {@link SparseRows}. */
  sparse?: SparseRows<E>;
}

/**
 * Parameters of which a batch uses a few rows (an embedding table of 2^18 hashed n-grams): a
 * dense gradient and a dense AdamW step would cost the whole table every step, so the loop asks
 * the model for per-batch variables holding only the rows the batch reads, differentiates the
 * loss by them along with the dense weights (clipping sees both), and hands their gradients
 * back to the model, which updates those rows only (lazy AdamW).
 */
export interface SparseRows<E> {
  /** Trainable variables for this batch only, read by the next `loss` call. */
  gather(batch: readonly E[]): tf.Variable[];
  /** Their gradients by variable name; `lr` and `step` (1-based) are those of the dense step. */
  apply(grads: tf.NamedTensorMap, at: { lr: number; step: number }): void;
  /** Disposes what `gather` made (called after every step, also a failed one). */
  release(): void;
  /** Before a checkpoint: write rows held outside tfjs into the checkpointed `weights`. */
  beforeCheckpoint?(): void;
  /** After a restore: read the restored `weights` back into the rows held outside tfjs. */
  afterRestore?(): void;
}

export interface StepEvent {
  /** Optimizer steps applied so far (1 after the first). */
  step: number;
  epoch: number;
  loss: number;
  /** The rate this step used. */
  lr: number;
  samplesPerSec: number;
  /** Global gradient norm before clipping (when clipping is on). */
  gradNorm?: number;
}

export interface ValidationEvent {
  step: number;
  epoch: number;
  metric: number;
  best: number;
  improved: boolean;
}

export interface EarlyStopping {
  /** The validation metric; runs after each epoch, or every `everySteps` steps. */
  evaluate: () => number | Promise<number>;
  mode: 'min' | 'max';
  /** Evaluations without an improvement of more than `minDelta` before the run stops. */
  patience: number;
  minDelta?: number;
  everySteps?: number;
}

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  optimizer: TrainingOptimizer;
  /** Seeds the data order and the run's PRNG: the same seed, data and backend give the same weights. */
  seed: number;
  /** Examples held by the seeded shuffle (default 10,000; ≥ the data size is a full shuffle). */
  shuffleBuffer?: number;
  /** Global-norm gradient clipping threshold (off by default). */
  clipNorm?: number;
  checkpointEvery?: number;
  /** Receives each checkpoint (every `checkpointEvery` steps, and when cancelled). */
  onCheckpoint?: (bytes: Buffer, at: { step: number; epoch: number }) => void | Promise<void>;
  onStep?: (event: StepEvent) => void | Promise<void>;
  onValidation?: (event: ValidationEvent) => void | Promise<void>;
  earlyStopping?: EarlyStopping;
  signal?: AbortSignal;
  /** A checkpoint to continue from (written by this loop for the same model). */
  resumeFrom?: Uint8Array;
  /** Metadata stored in every checkpoint. */
  meta?: Record<string, string | number | boolean>;
  /** Milliseconds clock for samples/s (injected so tests are deterministic). */
  now?: () => number;
}

export interface TrainResult {
  status: 'completed' | 'early_stopped' | 'cancelled';
  step: number;
  epoch: number;
  lastLoss: number;
  bestMetric?: number;
}

function positiveInt(field: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) {
    throw errors.invalidArgument(field, `must be a positive integer, got ${value}`);
  }
}

/** Checks the options before any work starts; fields are named as in the REST config. */
export function validateTrainOptions(o: TrainOptions): void {
  positiveInt('epochs', o.epochs);
  positiveInt('batch_size', o.batchSize);
  positiveInt('shuffle_buffer', o.shuffleBuffer);
  positiveInt('checkpoint_every', o.checkpointEvery);
  if (o.clipNorm !== undefined && !(Number.isFinite(o.clipNorm) && o.clipNorm > 0)) {
    throw errors.invalidArgument('clip_norm', `must be a positive number, got ${o.clipNorm}`);
  }
  if (!Number.isSafeInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) {
    throw errors.invalidArgument('seed', `must be an integer in [0, 2^32), got ${o.seed}`);
  }
  const es = o.earlyStopping;
  if (es !== undefined) {
    if (es.mode !== 'min' && es.mode !== 'max') throw errors.invalidArgument('early_stopping.mode', 'must be min or max');
    positiveInt('early_stopping.patience', es.patience);
    positiveInt('early_stopping.every_steps', es.everySteps);
    if (es.minDelta !== undefined && !(es.minDelta >= 0)) throw errors.invalidArgument('early_stopping.min_delta', 'must be ≥ 0');
  }
}

/**
 * The training loop the service and scripts share: seeded shuffled batches from an async
 * iterable (re-read each epoch), AdamW steps with optional clipping, a step callback, checkpoints
 * every N steps, early stopping on a validation metric, cancellation through an AbortSignal, and
 * exact resume from one of its own checkpoints (the early-stopping tally travels in its metadata).
 */
export async function train<E>(
  options: TrainOptions,
  model: TrainableModel<E>,
  data: () => AsyncIterable<E>,
): Promise<TrainResult> {
  validateTrainOptions(options);
  const { epochs, batchSize, optimizer, seed } = options;
  const now = options.now ?? (() => performance.now());
  const rng = createSeededRandom((seed ^ 0x5bd1e995) >>> 0); // distinct from the data-order streams
  const parts: TrainingParts = { weights: model.weights, optimizer, rng };
  const es = options.earlyStopping;
  const better = (a: number, b: number) => (es?.mode === 'max' ? a > b + (es.minDelta ?? 0) : a < b - (es?.minDelta ?? 0));

  let epoch = 0;
  let skip = 0;
  let best = es?.mode === 'max' ? -Infinity : Infinity;
  let badEvals = 0;
  if (options.resumeFrom !== undefined) {
    const state: TrainingState = restoreCheckpoint(options.resumeFrom, parts);
    model.sparse?.afterRestore?.();
    if (state.data.seed !== seed) {
      throw errors.failedPrecondition(`the checkpoint was written with seed ${state.data.seed}, not ${seed}`, { field: 'seed', reason: 'CHECKPOINT_MISMATCH' });
    }
    epoch = state.data.epoch;
    skip = state.data.position;
    if (typeof state.meta.early_stop_best === 'number') best = state.meta.early_stop_best;
    if (typeof state.meta.early_stop_bad_evals === 'number') badEvals = state.meta.early_stop_bad_evals;
  }

  let position = skip;
  let lastLoss = Number.NaN;
  const checkpoint = async () => {
    if (options.onCheckpoint === undefined) return;
    const meta = { ...options.meta, early_stop_best: best, early_stop_bad_evals: badEvals };
    // ±Infinity is not JSON: before the first evaluation there is no best yet
    if (!Number.isFinite(best)) delete (meta as Record<string, unknown>).early_stop_best;
    model.sparse?.beforeCheckpoint?.();
    const bytes = saveCheckpoint(parts, { data: { epoch, position, seed }, meta });
    await options.onCheckpoint(bytes, { step: optimizer.step, epoch });
  };
  const validate = async (): Promise<boolean> => {
    if (es === undefined) return false;
    const metric = await es.evaluate();
    const improved = better(metric, best);
    if (improved) {
      best = metric;
      badEvals = 0;
    } else {
      badEvals += 1;
    }
    await options.onValidation?.({ step: optimizer.step, epoch, metric, best, improved });
    return badEvals >= es.patience;
  };
  const result = (status: TrainResult['status']): TrainResult => ({
    status,
    step: optimizer.step,
    epoch,
    lastLoss,
    ...(es !== undefined && Number.isFinite(best) ? { bestMetric: best } : {}),
  });

  const step = async (batch: E[]): Promise<'stop' | undefined> => {
    const started = now();
    const lr = optimizer.learningRate;
    let gradNorm: number | undefined;
    const sparse = model.sparse;
    let loss: number;
    try {
      const rows = sparse?.gather(batch) ?? [];
      loss = tf.tidy(() => {
        // Only trainable variables: a sparse table's checkpoint mirrors are weights too, but get
        // no gradient (tfjs answers null for them, which clipping cannot take).
        const trainable = Object.values(model.weights).filter((v) => v.trainable);
        const { value, grads } = tf.variableGrads(() => model.loss(batch, { rng, training: true }), [...trainable, ...rows]);
        let applied = grads;
        if (options.clipNorm !== undefined) {
          const clipped = clipByGlobalNorm(grads, options.clipNorm);
          applied = clipped.grads;
          gradNorm = clipped.norm;
        }
        const rowGrads: tf.NamedTensorMap = {};
        for (const r of rows) {
          const g = applied[r.name];
          if (g !== undefined) rowGrads[r.name] = g;
          delete applied[r.name];
        }
        optimizer.applyGradients(applied);
        if (sparse !== undefined) sparse.apply(rowGrads, { lr, step: optimizer.step });
        return value.dataSync()[0] as number;
      });
    } finally {
      sparse?.release();
    }
    position += batch.length;
    lastLoss = loss;
    const seconds = Math.max((now() - started) / 1000, 1e-9);
    await options.onStep?.({ step: optimizer.step, epoch, loss, lr, samplesPerSec: batch.length / seconds, ...(gradNorm === undefined ? {} : { gradNorm }) });
    if (options.checkpointEvery !== undefined && optimizer.step % options.checkpointEvery === 0) await checkpoint();
    if (es?.everySteps !== undefined && optimizer.step % es.everySteps === 0 && (await validate())) return 'stop';
    return undefined;
  };

  for (; epoch < epochs; epoch++, position = 0, skip = 0) {
    let batch: E[] = [];
    let seen = 0;
    for await (const example of shuffled(data(), options.shuffleBuffer ?? 10_000, seed, epoch)) {
      if (seen++ < skip) continue; // resumed mid-epoch: these were consumed before the checkpoint
      if (options.signal?.aborted) {
        await checkpoint();
        return result('cancelled');
      }
      batch.push(example);
      if (batch.length < batchSize) continue;
      const outcome = await step(batch);
      batch = [];
      if (outcome === 'stop') return result('early_stopped');
    }
    if (batch.length > 0) {
      if (options.signal?.aborted) {
        await checkpoint();
        return result('cancelled');
      }
      if ((await step(batch)) === 'stop') return result('early_stopped');
    }
    if (es !== undefined && es.everySteps === undefined && (await validate())) {
      epoch += 1; // the epoch is complete
      return result('early_stopped');
    }
  }
  return result('completed');
}
