import * as tf from '@tensorflow/tfjs';
import { errors } from '@l1g1/kit';
import type { TrainingOptimizer } from '../optim/training-optimizer';
import type { SeededRandom } from '../engine/seeded-random';
import { decodeCheckpoint, encodeCheckpoint, type CheckpointDtype, type CheckpointTensor } from './checkpoint-format';

/** Where the data stream stands: enough to replay the exact remaining order (see `epochPermutation`). */
export interface DataPosition {
  /** 0-based epoch in progress. */
  epoch: number;
  /** Examples of this epoch's permutation already consumed. */
  position: number;
  /** The seed the permutations derive from. */
  seed: number;
}

/** The training state besides the tensors. The schedule's position is `step`: the lr is a function of it. */
export interface TrainingState {
  /** Optimizer steps applied so far. */
  step: number;
  data: DataPosition;
  /** The state of the run's PRNG (dropout, augmentation, …). */
  rng_state: number;
  /** Caller metadata (job id, config fingerprint, …). */
  meta: Record<string, string | number | boolean>;
}

/** What a checkpoint captures and a restore writes back into. Weights are keyed by a stable name of the caller's. */
export interface TrainingParts {
  weights: Readonly<Record<string, tf.Variable>>;
  optimizer: TrainingOptimizer;
  rng: SeededRandom;
}

const WEIGHTS = 'weights';
const MOMENT_M = 'optimizer.m';
const MOMENT_V = 'optimizer.v';

function snapshot(name: string, group: string, t: tf.Tensor): CheckpointTensor {
  if (t.dtype !== 'float32' && t.dtype !== 'int32') throw new TypeError(`tensor ${name}: dtype ${t.dtype} cannot be checkpointed`);
  const values = t.dataSync();
  return {
    name,
    group,
    dtype: t.dtype as CheckpointDtype,
    shape: [...t.shape],
    values: t.dtype === 'float32' ? Float32Array.from(values) : Int32Array.from(values),
  };
}

/**
 * Serialises the exact resume state — weights, AdamW moments and step, data position, PRNG
 * state — into one checkpoint buffer (see checkpoint-format.ts).
 */
export function saveCheckpoint(
  parts: TrainingParts,
  progress: { data: DataPosition; meta?: TrainingState['meta'] },
): Buffer {
  const keyOfVariable = new Map(Object.entries(parts.weights).map(([key, v]) => [v.name, key]));
  const tensors = Object.entries(parts.weights).map(([key, v]) => snapshot(key, WEIGHTS, v));
  const opt = parts.optimizer.getState();
  try {
    for (const { name, m, v } of opt.moments) {
      const key = keyOfVariable.get(name);
      if (key === undefined) throw new Error(`the optimizer holds moments for ${name}, which is not among the checkpointed weights`);
      tensors.push(snapshot(key, MOMENT_M, m));
      // SGD keeps one slot (its momentum buffer); Adam and AdamW two.
      if (v !== undefined) tensors.push(snapshot(key, MOMENT_V, v));
    }
  } finally {
    opt.moments.forEach((s) => tf.dispose(s.v === undefined ? [s.m] : [s.m, s.v]));
  }
  const state: TrainingState = { step: opt.step, data: { ...progress.data }, rng_state: parts.rng.getState(), meta: progress.meta ?? {} };
  return encodeCheckpoint({ state, tensors });
}

const mismatch = (message: string) =>
  errors.failedPrecondition(`checkpoint does not fit this model: ${message}`, { reason: 'CHECKPOINT_MISMATCH', field: 'checkpoint' });

function isNonNegInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function parseState(raw: unknown): TrainingState {
  const s = raw as Partial<TrainingState> | null;
  const d = s?.data as Partial<DataPosition> | undefined;
  const ok =
    s !== null && typeof s === 'object' && isNonNegInt(s.step) && isNonNegInt(s.rng_state) && s.rng_state <= 0xffffffff &&
    d !== undefined && isNonNegInt(d.epoch) && isNonNegInt(d.position) && isNonNegInt(d.seed) &&
    typeof s.meta === 'object' && s.meta !== null;
  if (!ok) {
    throw errors.failedPrecondition('checkpoint is unreadable: training state is malformed', { reason: 'CHECKPOINT_CORRUPT', field: 'checkpoint' });
  }
  return s as TrainingState;
}

/**
 * Restores a checkpoint into fresh parts. Everything is checked first — the file (digest,
 * bounds), the state, the set of weight names (missing and unknown ones are both named),
 * shapes and dtypes, moments matching weights — and only then is anything written, so a
 * refused checkpoint leaves the model, optimizer and PRNG untouched. Returns the state.
 */
export function restoreCheckpoint(bytes: Uint8Array, parts: TrainingParts): TrainingState {
  const file = decodeCheckpoint(bytes);
  const state = parseState(file.state);
  const byGroup = (group: string) => new Map(file.tensors.filter((t) => t.group === group).map((t) => [t.name, t]));
  const weights = byGroup(WEIGHTS);
  const ms = byGroup(MOMENT_M);
  const vs = byGroup(MOMENT_V);
  const expected = Object.keys(parts.weights);
  const missing = expected.filter((k) => !weights.has(k));
  const unknown = [...weights.keys()].filter((k) => !(k in parts.weights));
  if (missing.length > 0 || unknown.length > 0) {
    const say = (label: string, names: string[]) => (names.length > 0 ? [`${label}: ${names.join(', ')}`] : []);
    throw mismatch([...say('weights missing from the checkpoint', missing), ...say('weights the model does not have', unknown)].join('; '));
  }
  for (const [key, variable] of Object.entries(parts.weights)) {
    for (const [what, t] of [['weight', weights.get(key)], ['moment m of', ms.get(key)], ['moment v of', vs.get(key)]] as const) {
      if (t === undefined) continue;
      if (!tf.util.arraysEqual(t.shape, variable.shape) || t.dtype !== variable.dtype) {
        throw mismatch(`${what} ${key} is ${t.dtype}[${t.shape}] in the checkpoint, ${variable.dtype}[${variable.shape}] in the model`);
      }
    }
    if (vs.has(key) && !ms.has(key)) throw mismatch(`optimizer moments of ${key} are incomplete`);
  }
  const strays = [...ms.keys(), ...vs.keys()].filter((k) => !weights.has(k));
  if (strays.length > 0) throw mismatch(`optimizer moments for unknown weights: ${[...new Set(strays)].join(', ')}`);

  // all checks passed: write
  const toTensor = (t: CheckpointTensor) => tf.tensor(t.values, t.shape, t.dtype);
  const moments = [...ms.keys()].map((key) => {
    const v = vs.get(key);
    return { name: (parts.weights[key] as tf.Variable).name, m: toTensor(ms.get(key) as CheckpointTensor), ...(v ? { v: toTensor(v) } : {}) };
  });
  try {
    // First: the optimizer refuses slots it does not keep (an SGD checkpoint into AdamW) before anything changed.
    parts.optimizer.setState({ step: state.step, moments });
  } finally {
    moments.forEach((s) => tf.dispose(s.v === undefined ? [s.m] : [s.m, s.v]));
  }
  tf.tidy(() => {
    for (const [key, variable] of Object.entries(parts.weights)) variable.assign(toTensor(weights.get(key) as CheckpointTensor));
  });
  parts.rng.setState(state.rng_state);
  return state;
}
