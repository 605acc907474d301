/**
 * The defaults a TrainingSpec's unset fields take: the source's (AdamW lr
 * 5e-5, betas (0.9, 0.98), weight decay 0.01, 1,000 warmup steps) as the
 * contract documents them. One table, so the resolved spec a job answers
 * with and the run itself can never disagree.
 */
import { ADAMW_DEFAULTS } from '../../optim/adamw';

export const SPEC_DEFAULTS = Object.freeze({
  batchSize: 32,
  seed: 42,
  maxGradNorm: 1.0,
  checkpointEverySteps: 1000,
  warmupSteps: 1000,
  /** A warmup longer than this share of the run is capped (the contract's 10 %). */
  maxWarmupFraction: 0.1,
  minLearningRate: 0,
  learningRate: ADAMW_DEFAULTS.learningRate,
  beta1: ADAMW_DEFAULTS.beta1,
  beta2: ADAMW_DEFAULTS.beta2,
  weightDecay: ADAMW_DEFAULTS.weightDecay,
  epsilon: ADAMW_DEFAULTS.epsilon,
  earlyStoppingMetric: 'val_loss',
  earlyStoppingPatience: 3,
  labelField: 'label',
  trainSplit: 'train',
  validationSplit: 'validation',
  validationFraction: 0.1,
  loraRank: 8,
  loraAlpha: 16,
});

/** Bounds that keep one job's work and its stored JSON sane. */
export const SPEC_LIMITS = Object.freeze({
  maxEpochs: 10_000,
  maxBatchSize: 65_536,
  maxHiddenLayers: 32,
  maxUnits: 65_536,
  maxInputDim: 1_048_576,
  maxClassNames: 10_000,
  maxNameChars: 200,
  maxTags: 64,
});

/** Validation metrics early stopping can watch: every numeric field of a model's `evaluate()`, as `val_<name>`. */
export const EARLY_STOPPING_METRIC = /^val_[a-z][a-z0-9_]{0,62}$/;

/** Metrics watched for a fall by default (the others for a rise). */
export const LOWER_IS_BETTER = /(loss|perplexity|error)$/;
