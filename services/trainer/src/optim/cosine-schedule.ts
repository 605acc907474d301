import { errors } from '@l1g1/kit';

/** The learning rate for the optimizer step with 0-based index `step`. */
export type LearningRateSchedule = (step: number) => number;

export interface CosineWarmupConfig {
  /** The rate reached at the end of warmup. */
  peakLr: number;
  /** Steps in the whole run (epochs × batches per epoch). */
  totalSteps: number;
  /** Linear warmup length in steps; give this or `warmupRatio`, not both (default 0). */
  warmupSteps?: number;
  /** Linear warmup length as a fraction of `totalSteps`, rounded up. */
  warmupRatio?: number;
  /** The floor the cosine decays to (default 0). */
  minLr?: number;
}

export interface CosineWarmupSchedule extends LearningRateSchedule {
  /** The warmup actually used: from the ratio, clamped to `totalSteps`. */
  readonly warmupSteps: number;
}

function requireFinite(field: string, value: number, min: number, max = Infinity): void {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw errors.invalidArgument(field, `must be a number in [${min}, ${max}], got ${value}`);
  }
}

/**
 * Linear warmup then cosine annealing, Hugging Face's `get_cosine_with_min_lr_schedule_with_warmup`
 * with one cycle: lr(s) = peak·s/warmup while s < warmup (so step 0 runs at 0, as there), then
 * min + (peak − min)·½(1 + cos(π·(s − warmup)/(total − warmup))). A run shorter than its warmup
 * clamps the warmup to the run; steps at or past `totalSteps` stay at `minLr`.
 * Bad values are INVALID_ARGUMENT naming the (REST, snake_case) field.
 */
export function createCosineWarmupSchedule(config: CosineWarmupConfig): CosineWarmupSchedule {
  const { peakLr, totalSteps, warmupRatio } = config;
  const minLr = config.minLr ?? 0;
  requireFinite('learning_rate', peakLr, 0);
  if (!Number.isSafeInteger(totalSteps) || totalSteps < 1) {
    throw errors.invalidArgument('total_steps', `must be a positive integer, got ${totalSteps}`);
  }
  requireFinite('min_lr', minLr, 0, peakLr);
  if (config.warmupSteps !== undefined && warmupRatio !== undefined) {
    throw errors.invalidArgument('warmup_ratio', 'give warmup_steps or warmup_ratio, not both');
  }
  let warmup = config.warmupSteps ?? 0;
  if (warmupRatio !== undefined) {
    requireFinite('warmup_ratio', warmupRatio, 0, 1);
    warmup = Math.ceil(warmupRatio * totalSteps);
  } else if (!Number.isSafeInteger(warmup) || warmup < 0) {
    throw errors.invalidArgument('warmup_steps', `must be a non-negative integer, got ${warmup}`);
  }
  const warmupSteps = Math.min(warmup, totalSteps);
  const decaySteps = Math.max(1, totalSteps - warmupSteps);
  const schedule = (step: number): number => {
    if (step >= totalSteps) return minLr;
    if (step < warmupSteps) return (peakLr * step) / warmupSteps;
    const progress = (step - warmupSteps) / decaySteps;
    return minLr + (peakLr - minLr) * 0.5 * (1 + Math.cos(Math.PI * progress));
  };
  return Object.assign(schedule, { warmupSteps });
}
