/**
 * What every learning-rate schedule here shares: the config (peak rate, run
 * length, a linear warmup given in steps or as a ratio, a floor) and its one
 * set of checks, so cosine, linear and constant refuse the same bad values
 * naming the same (REST, snake_case) fields.
 */
import { errors } from '@l1g1/kit';

/** The learning rate for the optimizer step with 0-based index `step`. */
export type LearningRateSchedule = (step: number) => number;

export interface WarmupScheduleConfig {
  /** The rate reached at the end of warmup. */
  peakLr: number;
  /** Steps in the whole run (epochs × batches per epoch). */
  totalSteps: number;
  /** Linear warmup length in steps; give this or `warmupRatio`, not both (default 0). */
  warmupSteps?: number;
  /** Linear warmup length as a fraction of `totalSteps`, rounded up. */
  warmupRatio?: number;
  /** The floor the schedule decays to (default 0; unused by the constant schedule). */
  minLr?: number;
}

/** A schedule that also says the warmup it actually used. */
export interface WarmupSchedule extends LearningRateSchedule {
  /** The warmup actually used: from the ratio, clamped to `totalSteps`. */
  readonly warmupSteps: number;
}

/** The cosine schedule's config and result (the names it was first published under). */
export type CosineWarmupConfig = WarmupScheduleConfig;
export type CosineWarmupSchedule = WarmupSchedule;

function requireFinite(field: string, value: number, min: number, max = Infinity): void {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw errors.invalidArgument(field, `must be a number in [${min}, ${max}], got ${value}`);
  }
}

/** Checks a config and resolves its warmup (from the ratio; clamped to the run). */
export function resolveWarmup(config: WarmupScheduleConfig): { peakLr: number; totalSteps: number; minLr: number; warmupSteps: number } {
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
  return { peakLr, totalSteps, minLr, warmupSteps: Math.min(warmup, totalSteps) };
}
