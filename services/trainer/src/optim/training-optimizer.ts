/**
 * What the training loop and checkpoints need of any optimizer here (AdamW,
 * Adam, SGD): its step count, the rate its schedule gives, and its whole
 * state for exact resume. Slots are per variable: `m` (AdamW's first moment,
 * SGD's momentum buffer) and `v` (the second moment; absent for SGD).
 */
import type * as tf from '@tensorflow/tfjs';

export interface OptimizerSlots {
  /** The variable's name (tf.Variable.name). */
  name: string;
  m: tf.Tensor;
  v?: tf.Tensor;
}

export interface OptimizerState {
  /** Steps applied so far. */
  step: number;
  moments: OptimizerSlots[];
}

export interface TrainingOptimizer extends tf.Optimizer {
  /** Steps applied so far. */
  readonly step: number;
  /** The rate the next step will use. */
  readonly learningRate: number;
  /** The rate the last step used (NaN before the first). */
  readonly lastLearningRate: number;
  /** The step count and copies of the slots (the caller disposes the tensors). */
  getState(): OptimizerState;
  /** Replaces the step count and slots with a saved state (the tensors are copied, not kept). */
  setState(state: OptimizerState): void;
}
