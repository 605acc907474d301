import { errors } from '@l1g1/kit';

export type ThresholdModeName = 'global' | 'per_class' | 'confident_learning';

export interface ConfidenceOptions {
  /** Model output index → class name. */
  readonly classNames: readonly string[];
  /** Metadata key of the given label. */
  readonly labelField: string;
  readonly mode: ThresholdModeName;
  /** Global threshold and the fallback of the other modes. */
  readonly threshold: number;
  readonly classThresholds: ReadonlyMap<string, number>;
  /** Rounds of threshold recomputation over the kept set; >= 1. */
  readonly rounds: number;
  readonly dropDisagreements: boolean;
  /** Records per scorer call. */
  readonly batchSize: number;
  /** Records one filter holds scores for; more is refused. */
  readonly maxRecords: number;
}

export const CONFIDENCE_DEFAULTS = { threshold: 0.8, labelField: 'label', batchSize: 64, rounds: 1, maxRecords: 1_000_000, maxRounds: 10, maxBatchSize: 1024 } as const;

const inUnit = (x: number): boolean => Number.isFinite(x) && x >= 0 && x <= 1;

/** Checks the options, naming the request field at fault. */
export function validateConfidenceOptions(o: ConfidenceOptions): void {
  if (o.classNames.length < 2) throw errors.invalidArgument('class_names', 'at least two class names are needed (given, or the model version tag class_names)');
  if (new Set(o.classNames).size !== o.classNames.length) throw errors.invalidArgument('class_names', 'must not repeat a class name');
  if (o.classNames.some((c) => c.length === 0)) throw errors.invalidArgument('class_names', 'must not contain an empty name');
  if (!inUnit(o.threshold)) throw errors.invalidArgument('threshold', 'must be a number in [0, 1]');
  for (const [name, t] of o.classThresholds) {
    if (!inUnit(t)) throw errors.invalidArgument(`class_thresholds[${name}]`, 'must be a number in [0, 1]');
    if (!o.classNames.includes(name)) throw errors.invalidArgument(`class_thresholds[${name}]`, 'names no class of the model');
  }
  if (!(Number.isInteger(o.rounds) && o.rounds >= 1 && o.rounds <= CONFIDENCE_DEFAULTS.maxRounds)) {
    throw errors.invalidArgument('rounds', `must be an integer in [1, ${CONFIDENCE_DEFAULTS.maxRounds}]`);
  }
  if (!(Number.isInteger(o.batchSize) && o.batchSize >= 1 && o.batchSize <= CONFIDENCE_DEFAULTS.maxBatchSize)) {
    throw errors.invalidArgument('batch_size', `must be an integer in [1, ${CONFIDENCE_DEFAULTS.maxBatchSize}]`);
  }
  if (o.labelField.length === 0) throw errors.invalidArgument('label_field', 'must not be empty');
}
