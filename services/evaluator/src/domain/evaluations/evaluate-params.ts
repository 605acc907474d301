/**
 * What an evaluation job carries: the request as checked, with everything
 * resolved at creation pinned (model version, snapshot, split, classes,
 * how records become model input), so a retried attempt evaluates exactly
 * the same thing.
 */
import type { JsonValue } from '@l1g1/kit';
import type { ModelInputPlan } from './model-input';

/** The kit job kind of an evaluation run. */
export const EVALUATE_JOB_KIND = 'evaluator.evaluate';

export type EvalTaskName = 'classification' | 'token_classification';

export interface EvaluatePlan {
  modelName: string;
  modelVersion: number;
  /** The common.Precision value predictions are asked in. */
  precision: number;
  dataset: string;
  snapshot: number;
  /** '' = every record (the snapshot carries no split). */
  split: string;
  labelField: string;
  task: EvalTaskName;
  classNames: string[];
  /** Index into classNames of the binary AUC's positive class. */
  positiveClass: number;
  calibrationBins: number;
  batchSize: number;
  /** 0 = every record. */
  maxRecords: number;
  seed: number;
  storePredictions: boolean;
  recordInRegistry: boolean;
  input: ModelInputPlan;
  /** Name of the output holding class scores. */
  outputName: string;
  /** The request as given with defaults filled in (proto JSON), echoed in EvaluationRun.request. */
  request: JsonValue;
  tags: Record<string, string>;
  createdBy: string;
}

/**
 * A language-modeling job's params: the common part of EvaluatePlan (no
 * labels, classes or class-score output), the window and the tag the job
 * re-reads for the tokenizer and vocabulary (see plan-language-model.ts).
 */
export interface LanguageModelPlan
  extends Pick<EvaluatePlan, 'modelName' | 'modelVersion' | 'precision' | 'dataset' | 'snapshot' | 'split' | 'maxRecords' | 'seed' | 'recordInRegistry' | 'request' | 'tags' | 'createdBy' | 'outputName'> {
  task: 'language_modeling';
  /** Input tokens per window row. */
  window: number;
  /** Window rows per inference call (the request's batch_size, lowered so one answer stays bounded). */
  batchSize: number;
  inputName: string;
  /** The version's `preprocess` tag (token level and vocabulary). */
  recipeTag: string;
}

export function encodeEvaluatePlan(plan: EvaluatePlan | LanguageModelPlan): JsonValue {
  // JSON by construction (strings, numbers, booleans, arrays, plain objects); the interface just is not declared as JsonValue.
  return plan as unknown as JsonValue;
}

/** The stored params back; written only by {@link encodeEvaluatePlan}. */
export function decodeEvaluatePlan(params: JsonValue): EvaluatePlan | LanguageModelPlan {
  return params as unknown as EvaluatePlan | LanguageModelPlan;
}
