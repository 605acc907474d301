import { resolveWarmup, type WarmupSchedule, type WarmupScheduleConfig } from './warmup';

/**
 * Linear warmup then a constant rate, Hugging Face's `get_constant_schedule_with_warmup`:
 * lr(s) = peak·s/warmup while s < warmup, then peak (also past `totalSteps`; `minLr` is unused).
 */
export function createConstantWarmupSchedule(config: WarmupScheduleConfig): WarmupSchedule {
  const { peakLr, warmupSteps } = resolveWarmup(config);
  const schedule = (step: number): number => (step < warmupSteps ? (peakLr * step) / warmupSteps : peakLr);
  return Object.assign(schedule, { warmupSteps });
}
