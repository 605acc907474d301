import { resolveWarmup, type CosineWarmupConfig, type CosineWarmupSchedule } from './warmup';

export type { CosineWarmupConfig, CosineWarmupSchedule, LearningRateSchedule } from './warmup';

/**
 * Linear warmup then cosine annealing, Hugging Face's `get_cosine_with_min_lr_schedule_with_warmup`
 * with one cycle: lr(s) = peak·s/warmup while s < warmup (so step 0 runs at 0, as there), then
 * min + (peak − min)·½(1 + cos(π·(s − warmup)/(total − warmup))). A run shorter than its warmup
 * clamps the warmup to the run; steps at or past `totalSteps` stay at `minLr`.
 * Bad values are INVALID_ARGUMENT naming the (REST, snake_case) field.
 */
export function createCosineWarmupSchedule(config: CosineWarmupConfig): CosineWarmupSchedule {
  const { peakLr, totalSteps, minLr, warmupSteps } = resolveWarmup(config);
  const decaySteps = Math.max(1, totalSteps - warmupSteps);
  const schedule = (step: number): number => {
    if (step >= totalSteps) return minLr;
    if (step < warmupSteps) return (peakLr * step) / warmupSteps;
    const progress = (step - warmupSteps) / decaySteps;
    return minLr + (peakLr - minLr) * 0.5 * (1 + Math.cos(Math.PI * progress));
  };
  return Object.assign(schedule, { warmupSteps });
}
