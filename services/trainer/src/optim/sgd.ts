import * as tf from '@tensorflow/tfjs';
import { errors } from '@l1g1/kit';
import { checkRange, ScheduledOptimizer, type NamedTensor } from './scheduled-optimizer';
import type { OptimizerState } from './training-optimizer';
import type { LearningRateSchedule } from './warmup';

export interface SgdConfig {
  /** A constant rate or a schedule over the 0-based step index (default 0.01). */
  learningRate?: number | LearningRateSchedule;
  /** Momentum μ in [0, 1) (default 0: plain SGD). */
  momentum?: number;
  /** Nesterov momentum (needs momentum > 0). */
  nesterov?: boolean;
  /** L2 weight decay λ, added to the gradient (default 0). */
  weightDecay?: number;
  /** Variables left undecayed (biases, norms), by name; default: none. */
  excludeFromWeightDecay?: (variableName: string) => boolean;
}

/**
 * SGD with momentum, step for step PyTorch's `torch.optim.SGD` (dampening 0):
 * g ← g + λ·p; b ← μ·b + g (b = g on the first step); p ← p − lr·(g + μ·b) with Nesterov,
 * else p ← p − lr·b. tfjs' own momentum optimizer scales the buffer by the rate (b ← μ·b + lr·g),
 * which differs from PyTorch as soon as the rate changes under a schedule, hence this class.
 * The momentum buffers are its resume state (slot `m`; no `v`).
 */
export class Sgd extends ScheduledOptimizer {
  static readonly className = 'Sgd';
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  private readonly buffers = new Map<string, tf.Variable>();

  constructor(config: SgdConfig = {}) {
    super(config.learningRate ?? 0.01, config.excludeFromWeightDecay);
    this.momentum = config.momentum ?? 0;
    this.nesterov = config.nesterov ?? false;
    this.weightDecay = config.weightDecay ?? 0;
    checkRange('momentum', this.momentum, 0, 1, true);
    checkRange('weight_decay', this.weightDecay, 0, Infinity);
    if (this.nesterov && this.momentum === 0) throw errors.invalidArgument('nesterov', 'needs a momentum above 0');
  }

  protected override applyStep(name: string, variable: tf.Variable, g0: tf.Tensor, lr: number): void {
    const { momentum, nesterov } = this;
    const g = this.weightDecay > 0 && !this.excluded(name) ? tf.add(g0, tf.mul(variable, this.weightDecay)) : g0;
    let direction = g;
    if (momentum > 0) {
      const previous = this.buffers.get(name);
      const b = previous === undefined ? g : tf.add(tf.mul(previous, momentum), g);
      if (previous === undefined) this.buffers.set(name, tf.variable(b, false, `${name}/sgd_momentum`));
      else previous.assign(b);
      direction = nesterov ? tf.add(g, tf.mul(b, momentum)) : b;
    }
    variable.assign(tf.sub(variable, tf.mul(direction, lr)));
  }

  override getState(): OptimizerState {
    return { step: this.iterations_, moments: [...this.buffers].map(([name, b]) => ({ name, m: b.clone() })) };
  }

  override setState(state: OptimizerState): void {
    if (!Number.isSafeInteger(state.step) || state.step < 0) throw new RangeError(`Sgd: bad step ${state.step}`);
    if (state.moments.some((s) => s.v !== undefined)) {
      throw errors.failedPrecondition('checkpoint does not fit this optimizer: it holds second moments (saved by Adam or AdamW?)', { reason: 'CHECKPOINT_MISMATCH', field: 'checkpoint' });
    }
    this.disposeBuffers();
    for (const { name, m } of state.moments) this.buffers.set(name, tf.variable(m.clone(), false, `${name}/sgd_momentum`));
    this.iterations_ = state.step;
  }

  override async getWeights(): Promise<NamedTensor[]> {
    return [await this.saveIterations(), ...[...this.buffers].map(([name, b]) => ({ name: `${name}/momentum`, tensor: b }))];
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    this.setState({ step: this.iterations_, moments: rest.map((w) => ({ name: w.name.replace(/\/momentum$/, ''), m: w.tensor })) });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { momentum: this.momentum, nesterov: this.nesterov, weightDecay: this.weightDecay };
  }

  private disposeBuffers(): void {
    for (const b of this.buffers.values()) b.dispose();
    this.buffers.clear();
  }

  override dispose(): void {
    super.dispose();
    this.disposeBuffers();
  }
}
