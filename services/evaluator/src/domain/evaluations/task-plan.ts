import type { common } from '@l1g1/contracts';
import type { EvaluatePlan } from './evaluate-params';
import type { SignatureView } from './model-input';

/** What each task's planner decides: how records become input and which output it reads. */
export type TaskPlan = Pick<EvaluatePlan, 'input' | 'outputName' | 'positiveClass'>;

/** What planEvaluation resolved before the task's planner runs. */
export interface TaskPlanContext {
  /** `name@version`, for messages. */
  model: string;
  signature: SignatureView;
  tags: Readonly<Record<string, string>>;
  classNames: string[];
  dataset: common.DatasetRef;
  /** '' = every record. */
  split: string;
  labelField: string;
  /** The request's positive class ('' = default). */
  positiveClass: string;
}
