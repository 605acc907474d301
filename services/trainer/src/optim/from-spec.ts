/**
 * The contract's optimizer and schedule (trainer.proto OptimizerConfig,
 * LrSchedule; a resolved spec, defaults filled in) turned into the objects
 * the training loop runs. The one place that maps their kinds, so the job
 * runner, scripts and tests build the same optimizer from the same spec.
 */
import { trainer } from '@l1g1/contracts';
import { errors } from '@l1g1/kit';
import { Adam } from './adam';
import { AdamW, ADAMW_DEFAULTS } from './adamw';
import { createConstantWarmupSchedule } from './constant-schedule';
import { createCosineWarmupSchedule } from './cosine-schedule';
import { createLinearWarmupSchedule } from './linear-schedule';
import { Sgd } from './sgd';
import type { TrainingOptimizer } from './training-optimizer';
import type { LearningRateSchedule, WarmupSchedule } from './warmup';

const OPTIMIZER_FIELD = 'spec.config.optimizer';
const SCHEDULE_FIELD = 'spec.config.schedule';

/** The rate the optimizer peaks at (the schedule's peak): the spec's, else the source's default. */
export function peakLearningRate(optimizer: trainer.OptimizerConfig | undefined): number {
  return optimizer?.learningRate ?? ADAMW_DEFAULTS.learningRate;
}

/**
 * The schedule of a spec over a run of `totalSteps` optimizer steps, peaking at `peakLr`
 * (default: the optimizer's rate, {@link peakLearningRate}). Unspecified is cosine, the default.
 */
export function scheduleFromSpec(schedule: trainer.LrSchedule | undefined, totalSteps: number, peakLr: number = ADAMW_DEFAULTS.learningRate): WarmupSchedule {
  const config = { peakLr, totalSteps, warmupSteps: schedule?.warmupSteps ?? 0, minLr: schedule?.minLearningRate ?? 0 };
  const kind = schedule?.kind ?? trainer.ScheduleKind.SCHEDULE_KIND_UNSPECIFIED;
  switch (kind) {
    case trainer.ScheduleKind.SCHEDULE_KIND_UNSPECIFIED:
    case trainer.ScheduleKind.SCHEDULE_KIND_COSINE:
      return createCosineWarmupSchedule(config);
    case trainer.ScheduleKind.SCHEDULE_KIND_LINEAR:
      return createLinearWarmupSchedule(config);
    case trainer.ScheduleKind.SCHEDULE_KIND_CONSTANT:
      return createConstantWarmupSchedule(config);
    default:
      throw errors.invalidArgument(`${SCHEDULE_FIELD}.kind`, `unknown schedule ${kind}; use cosine, linear or constant`);
  }
}

export interface OptimizerFromSpecOptions {
  /** The rate per step (a schedule from {@link scheduleFromSpec}); default: the spec's constant rate. */
  learningRate?: LearningRateSchedule;
  /** Variables left undecayed (biases, norms), by name; default: none. */
  excludeFromWeightDecay?: (variableName: string) => boolean;
}

/**
 * The optimizer of a spec: AdamW (unspecified too), Adam (coupled L2 decay, default 0) or SGD
 * with momentum. Unset hyper-parameters take the source's defaults (lr 5e-5, betas (0.9, 0.98),
 * eps 1e-8, AdamW weight decay 0.01; SGD momentum 0). Unknown kinds are INVALID_ARGUMENT naming
 * `spec.config.optimizer.kind`.
 */
export function optimizerFromSpec(optimizer: trainer.OptimizerConfig | undefined, options: OptimizerFromSpecOptions = {}): TrainingOptimizer {
  const learningRate = options.learningRate ?? peakLearningRate(optimizer);
  const exclude = options.excludeFromWeightDecay ? { excludeFromWeightDecay: options.excludeFromWeightDecay } : {};
  const adam = {
    learningRate,
    beta1: optimizer?.beta1 ?? ADAMW_DEFAULTS.beta1,
    beta2: optimizer?.beta2 ?? ADAMW_DEFAULTS.beta2,
    epsilon: optimizer?.epsilon ?? ADAMW_DEFAULTS.epsilon,
    ...exclude,
  };
  const kind = optimizer?.kind ?? trainer.OptimizerKind.OPTIMIZER_KIND_UNSPECIFIED;
  switch (kind) {
    case trainer.OptimizerKind.OPTIMIZER_KIND_UNSPECIFIED:
    case trainer.OptimizerKind.OPTIMIZER_KIND_ADAMW:
      return new AdamW({ ...adam, weightDecay: optimizer?.weightDecay ?? ADAMW_DEFAULTS.weightDecay });
    case trainer.OptimizerKind.OPTIMIZER_KIND_ADAM:
      return new Adam({ ...adam, weightDecay: optimizer?.weightDecay ?? 0 });
    case trainer.OptimizerKind.OPTIMIZER_KIND_SGD:
      return new Sgd({ learningRate, momentum: optimizer?.momentum ?? 0, weightDecay: optimizer?.weightDecay ?? 0, ...exclude });
    default:
      throw errors.invalidArgument(`${OPTIMIZER_FIELD}.kind`, `unknown optimizer ${kind}; use adamw, adam or sgd`);
  }
}
