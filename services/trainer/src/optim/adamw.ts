import * as tf from '@tensorflow/tfjs';
import { errors } from '@l1g1/kit';
import type { LearningRateSchedule } from './warmup';
import type { OptimizerState } from './training-optimizer';
import { checkRange, ScheduledOptimizer, type NamedTensor } from './scheduled-optimizer';

/** The source's fine-tuning defaults (lr 5e-5, betas (0.9, 0.98), weight decay 0.01); eps is PyTorch's. */
export const ADAMW_DEFAULTS = Object.freeze({
  learningRate: 5e-5,
  beta1: 0.9,
  beta2: 0.98,
  epsilon: 1e-8,
  weightDecay: 0.01,
});

export interface AdamWConfig {
  /** A constant rate or a schedule over the 0-based step index. */
  learningRate?: number | LearningRateSchedule;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  weightDecay?: number;
  /** Variables left undecayed (biases, norms), by name; default: none. */
  excludeFromWeightDecay?: (variableName: string) => boolean;
}

/** One variable's first and second moments, by variable name. */
export interface AdamWMoments {
  name: string;
  m: tf.Tensor;
  v: tf.Tensor;
}

/** Everything AdamW needs to continue exactly where it stopped. */
export interface AdamWState {
  /** Steps applied so far. */
  step: number;
  moments: AdamWMoments[];
}

/**
 * AdamW (Loshchilov & Hutter) as a tfjs Optimizer, step for step PyTorch's `torch.optim.AdamW`:
 * p ← p·(1 − lr·λ) − lr·m̂/(√v̂ + ε), with m̂, v̂ the bias-corrected moments. The decay is applied
 * to the weights directly and never enters the gradient, so the moments are those of the loss
 * alone (tfjs' adam with an L2 term would mix the decay into them).
 */
export class AdamW extends ScheduledOptimizer {
  static readonly className: string = 'AdamW';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  private readonly moments = new Map<string, { m: tf.Variable; v: tf.Variable }>();
  /**
   * false: weight decay is coupled, added to the gradient as an L2 term before the moments
   * (PyTorch's `Adam(weight_decay=λ)`); the Adam subclass sets it.
   */
  protected readonly decoupledDecay: boolean = true;

  constructor(config: AdamWConfig = {}) {
    super(config.learningRate ?? ADAMW_DEFAULTS.learningRate, config.excludeFromWeightDecay);
    this.beta1 = config.beta1 ?? ADAMW_DEFAULTS.beta1;
    this.beta2 = config.beta2 ?? ADAMW_DEFAULTS.beta2;
    this.epsilon = config.epsilon ?? ADAMW_DEFAULTS.epsilon;
    this.weightDecay = config.weightDecay ?? ADAMW_DEFAULTS.weightDecay;
    checkRange('beta1', this.beta1, 0, 1, true);
    checkRange('beta2', this.beta2, 0, 1, true);
    checkRange('epsilon', this.epsilon, 0, Infinity);
    checkRange('weight_decay', this.weightDecay, 0, Infinity);
  }

  protected override applyStep(name: string, variable: tf.Variable, g: tf.Tensor, lr: number, t: number): void {
    const { beta1, beta2, epsilon } = this;
    const biasCorrection1 = 1 - beta1 ** t;
    const biasCorrection2 = 1 - beta2 ** t;
    const state = this.momentsFor(name, variable);
    const coupled = !this.decoupledDecay && this.weightDecay > 0 && !this.excluded(name);
    const grad = coupled ? tf.add(g, tf.mul(variable, this.weightDecay)) : g;
    const m = tf.add(tf.mul(state.m, beta1), tf.mul(grad, 1 - beta1));
    const v = tf.add(tf.mul(state.v, beta2), tf.mul(tf.square(grad), 1 - beta2));
    state.m.assign(m);
    state.v.assign(v);
    const decay = !this.decoupledDecay || this.excluded(name) ? 1 : 1 - lr * this.weightDecay;
    const update = tf.div(tf.div(m, biasCorrection1), tf.add(tf.sqrt(tf.div(v, biasCorrection2)), epsilon));
    variable.assign(tf.sub(tf.mul(variable, decay), tf.mul(update, lr)));
  }

  private momentsFor(name: string, variable: tf.Variable): { m: tf.Variable; v: tf.Variable } {
    let state = this.moments.get(name);
    if (state === undefined) {
      state = {
        m: tf.variable(tf.zerosLike(variable), false, `${name}/adamw_m`),
        v: tf.variable(tf.zerosLike(variable), false, `${name}/adamw_v`),
      };
      this.moments.set(name, state);
    }
    return state;
  }

  /** The step count and copies of the moments (the caller disposes the tensors). */
  override getState(): AdamWState {
    return {
      step: this.iterations_,
      moments: [...this.moments].map(([name, s]) => ({ name, m: s.m.clone(), v: s.v.clone() })),
    };
  }

  /** Replaces the step count and moments with a saved state (the tensors are copied, not kept). */
  override setState(state: AdamWState | OptimizerState): void {
    if (!Number.isSafeInteger(state.step) || state.step < 0) throw new RangeError(`AdamW: bad step ${state.step}`);
    const lacking = state.moments.find((s) => s.v === undefined);
    if (lacking) {
      throw errors.failedPrecondition(`checkpoint does not fit this optimizer: no second moment for ${lacking.name} (saved by another optimizer?)`, { reason: 'CHECKPOINT_MISMATCH', field: 'checkpoint' });
    }
    this.disposeMoments();
    for (const { name, m, v } of state.moments as AdamWMoments[]) {
      this.moments.set(name, {
        m: tf.variable(m.clone(), false, `${name}/adamw_m`),
        v: tf.variable(v.clone(), false, `${name}/adamw_v`),
      });
    }
    this.iterations_ = state.step;
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const weights: NamedTensor[] = [];
    for (const [name, s] of this.moments) weights.push({ name: `${name}/m`, tensor: s.m }, { name: `${name}/v`, tensor: s.v });
    return [await this.saveIterations(), ...weights];
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    const byName = new Map(rest.map((w) => [w.name, w.tensor]));
    const names = [...new Set(rest.map((w) => w.name.replace(/\/[mv]$/, '')))];
    const moments = names.map((name) => {
      const m = byName.get(`${name}/m`);
      const v = byName.get(`${name}/v`);
      if (m === undefined || v === undefined) throw new Error(`AdamW: weights for ${name} lack m or v`);
      return { name, m, v };
    });
    this.setState({ step: this.iterations_, moments });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, weightDecay: this.weightDecay };
  }

  private disposeMoments(): void {
    for (const s of this.moments.values()) {
      s.m.dispose();
      s.v.dispose();
    }
    this.moments.clear();
  }

  override dispose(): void {
    super.dispose();
    this.disposeMoments();
  }
}
