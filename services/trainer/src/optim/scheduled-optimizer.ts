/**
 * The part AdamW, Adam and SGD share: a tfjs Optimizer whose rate comes from
 * a schedule over the step index, which counts its steps from 0 (tfjs leaves
 * the count undefined until the first increment), remembers the rate of the
 * last step, and knows which variables weight decay skips. Each optimizer
 * writes only its own update rule (`applyStep`) and its resume state.
 */
import * as tf from '@tensorflow/tfjs';
import { errors } from '@l1g1/kit';
import type { OptimizerState, TrainingOptimizer } from './training-optimizer';
import type { LearningRateSchedule } from './warmup';

/** tfjs-core's `NamedTensor`, which the tfjs barrel does not re-export. */
export type NamedTensor = { name: string; tensor: tf.Tensor };

/** A hyper-parameter in range, or INVALID_ARGUMENT naming it. */
export function checkRange(field: string, value: number, min: number, max: number, maxOpen = false): void {
  const ok = Number.isFinite(value) && value >= min && (maxOpen ? value < max : value <= max);
  if (!ok) throw errors.invalidArgument(field, `must be in [${min}, ${max}${maxOpen ? ')' : ']'}, got ${value}`);
}

export abstract class ScheduledOptimizer extends tf.Optimizer implements TrainingOptimizer {
  private readonly schedule: LearningRateSchedule;
  /** Variables weight decay leaves alone (biases, norms), by name. */
  protected readonly excluded: (variableName: string) => boolean;
  private lastLr = Number.NaN;

  protected constructor(learningRate: number | LearningRateSchedule, excludeFromWeightDecay: ((variableName: string) => boolean) | undefined) {
    super();
    this.iterations_ = 0;
    if (typeof learningRate === 'number') checkRange('learning_rate', learningRate, 0, Infinity);
    this.schedule = typeof learningRate === 'number' ? () => learningRate : learningRate;
    this.excluded = excludeFromWeightDecay ?? (() => false);
  }

  /** Steps applied so far. */
  get step(): number {
    return this.iterations_;
  }

  /** The rate the next step will use. */
  get learningRate(): number {
    return this.schedule(this.iterations_);
  }

  /** The rate the last step used (NaN before the first). */
  get lastLearningRate(): number {
    return this.lastLr;
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const grads = Array.isArray(variableGradients)
      ? variableGradients
      : Object.entries(variableGradients).map(([name, tensor]) => ({ name, tensor }));
    const lr = this.schedule(this.iterations_);
    tf.tidy(() => {
      for (const { name, tensor } of grads) {
        if (tensor == null) continue; // a variable the loss does not reach
        const variable = tf.engine().registeredVariables[name];
        if (variable === undefined) throw new Error(`${this.getClassName()}: no variable named ${name}`);
        this.applyStep(name, variable, tensor, lr, this.iterations_ + 1);
      }
    });
    this.lastLr = lr;
    this.incrementIterations();
  }

  /** Updates one variable for step `t` (1-based) at rate `lr`; runs inside a tidy. */
  protected abstract applyStep(name: string, variable: tf.Variable, gradient: tf.Tensor, lr: number, t: number): void;
  abstract getState(): OptimizerState;
  abstract setState(state: OptimizerState): void;
}
