/**
 * Which stored uncertainty orders the queue for an active-learning strategy,
 * and the strategy a request or project resolves to.
 */
import { labeling } from '@l1g1/contracts';

/** How the store orders a project's tasks: import order, or one of the stored uncertainties. */
export type QueueOrder = 'seq' | 'least_confidence' | 'margin' | 'entropy';

const S = labeling.ActiveLearningStrategy;

export function queueOrderOf(strategy: labeling.ActiveLearningStrategy): QueueOrder {
  switch (strategy) {
    case S.ACTIVE_LEARNING_STRATEGY_UNCERTAINTY:
      return 'least_confidence';
    case S.ACTIVE_LEARNING_STRATEGY_MARGIN:
      return 'margin';
    case S.ACTIVE_LEARNING_STRATEGY_ENTROPY:
      return 'entropy';
    default:
      return 'seq';
  }
}

/**
 * The request's strategy, else the project's, else UNCERTAINTY when the
 * project has pre-labels and SEQUENTIAL when not (the contract's default).
 * RANDOM stays RANDOM: the store serves it as a seeded per-annotator shuffle
 * (random-order.ts).
 */
export function effectiveStrategy(requested: labeling.ActiveLearningStrategy, projectDefault: labeling.ActiveLearningStrategy, hasPredictions: boolean): labeling.ActiveLearningStrategy {
  const s = requested !== S.ACTIVE_LEARNING_STRATEGY_UNSPECIFIED ? requested : projectDefault;
  if (s === S.ACTIVE_LEARNING_STRATEGY_UNSPECIFIED) return hasPredictions ? S.ACTIVE_LEARNING_STRATEGY_UNCERTAINTY : S.ACTIVE_LEARNING_STRATEGY_SEQUENTIAL;
  return s;
}
