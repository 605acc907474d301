/**
 * Storage of the model-fed parts: one current pre-label per task (with the
 * model version, class scores and the uncertainties the queue orders by) and
 * the label issues confident learning flagged for review.
 */
import type { common, labeling } from '@l1g1/contracts';

export interface PredictionRow {
  taskId: string;
  projectId: string;
  modelName: string;
  modelVersion: number;
  value: labeling.AnnotationValue | undefined;
  /** Class name → probability. */
  classScores: Record<string, number>;
  /** Max probability. */
  score: number;
  leastConfidence: number;
  margin: number;
  entropy: number;
  /** The pre-label job that wrote it. */
  jobId: string;
  createdAtMs: number;
}

export interface LabelIssueRow {
  taskId: string;
  projectId: string;
  givenLabel: string;
  suggestedLabel: string;
  givenProbability: number;
  suggestedProbability: number;
  suggestedThreshold: number;
  model: common.ModelRef | undefined;
  foundAtMs: number;
}

export interface PredictionStore {
  /** Inserts or replaces the tasks' current pre-labels in one transaction. */
  upsertPredictions(rows: readonly PredictionRow[]): Promise<void>;
  predictionsOfTasks(taskIds: readonly string[]): Promise<Map<string, PredictionRow>>;
  /** Every current pre-label of the project, in task order. */
  projectPredictions(projectId: string): Promise<PredictionRow[]>;
  hasPredictions(projectId: string): Promise<boolean>;
  /** Tasks with at least one annotation (skips and gold included): the pre-label job leaves them alone by default. */
  annotatedTaskIds(taskIds: readonly string[]): Promise<Set<string>>;
  /** Replaces the project's open label issues by these, in one transaction. */
  replaceLabelIssues(projectId: string, rows: readonly LabelIssueRow[]): Promise<void>;
  /** Open label issues in task order, after task seq `afterSeq`, with the task's seq. */
  listLabelIssues(projectId: string, afterSeq: number, limit: number): Promise<{ seq: number; issue: LabelIssueRow }[]>;
}
