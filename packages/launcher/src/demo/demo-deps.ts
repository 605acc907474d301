/**
 * What the demo takes from the services' own code rather than copying it:
 * the evaluator's paired comparison (the CompareVariants core: McNemar,
 * bootstrap CI, the usability bound) and the trainer's tuned text-classifier
 * recipe, written into the job spec so the demo does not depend on the
 * trainer's per-architecture defaults.
 */
export { comparePaired } from '@l1g1/evaluator';
export { TEXT_CLASSIFIER_TRAINING as TEXT_CLASSIFIER_DEMO_RECIPE } from '@l1g1/trainer';
