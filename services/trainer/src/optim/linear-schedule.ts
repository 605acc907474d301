import { resolveWarmup, type WarmupSchedule, type WarmupScheduleConfig } from './warmup';

/**
 * Linear warmup then linear decay, Hugging Face's `get_linear_schedule_with_warmup` with a floor:
 * lr(s) = peak·s/warmup while s < warmup, then min + (peak − min)·(total − s)/(total − warmup),
 * reaching `minLr` at `totalSteps` and staying there. Bad values are INVALID_ARGUMENT naming the field.
 */
export function createLinearWarmupSchedule(config: WarmupScheduleConfig): WarmupSchedule {
  const { peakLr, totalSteps, minLr, warmupSteps } = resolveWarmup(config);
  const decaySteps = Math.max(1, totalSteps - warmupSteps);
  const schedule = (step: number): number => {
    if (step >= totalSteps) return minLr;
    if (step < warmupSteps) return (peakLr * step) / warmupSteps;
    return minLr + ((peakLr - minLr) * (totalSteps - step)) / decaySteps;
  };
  return Object.assign(schedule, { warmupSteps });
}
