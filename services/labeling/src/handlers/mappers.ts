/** Domain rows to the contract's messages. */
import { labeling } from '@l1g1/contracts';
import type { AnnotationRow, ProjectCounts, ProjectRow, TaskRow } from '../domain/ports';
import type { PredictionRow } from '../domain/prediction-ports';

const { TaskState } = labeling;

export function toProject(row: ProjectRow, counts: ProjectCounts): labeling.Project {
  return labeling.Project.fromPartial({
    id: row.id,
    name: row.name,
    description: row.description,
    instructions: row.instructions,
    labelConfig: row.config,
    tags: row.tags,
    taskCount: counts.taskCount,
    completedTaskCount: counts.completedTaskCount,
    annotationCount: counts.annotationCount,
    createdAt: new Date(row.createdAtMs),
    updatedAt: new Date(row.updatedAtMs),
    createdBy: row.createdBy,
  });
}

export function taskState(row: TaskRow): labeling.TaskState {
  if (row.annotationCount >= row.required) return TaskState.TASK_STATE_COMPLETED;
  return row.reservedBy !== '' ? TaskState.TASK_STATE_RESERVED : TaskState.TASK_STATE_OPEN;
}

/** The task, with its current pre-label when one is given. */
export function toTask(row: TaskRow, prediction?: PredictionRow): labeling.Task {
  return labeling.Task.fromPartial({
    id: row.id,
    projectId: row.projectId,
    record: row.record,
    source: row.source,
    state: taskState(row),
    annotationsRequired: row.required,
    annotationCount: row.annotationCount,
    reservedBy: row.reservedBy,
    reservedUntil: row.reservedUntilMs > 0 ? new Date(row.reservedUntilMs) : undefined,
    createdAt: new Date(row.createdAtMs),
    imageWidth: row.imageWidth,
    imageHeight: row.imageHeight,
    prediction: prediction ? toPrediction(prediction) : row.seedValue && importedPrediction(row),
  });
}

/**
 * ImportTasks' `label_field` value, shown where a pre-label is (the page
 * offers it to accept or correct): source "import", no model, score 1. A
 * model's pre-label, once one is made, takes its place.
 */
function importedPrediction(row: TaskRow): labeling.Prediction {
  return labeling.Prediction.fromPartial({ value: row.seedValue, score: 1, createdAt: new Date(row.createdAtMs), source: 'import' });
}

export function toAnnotation(row: AnnotationRow): labeling.Annotation {
  return labeling.Annotation.fromPartial({
    id: row.id,
    taskId: row.taskId,
    projectId: row.projectId,
    annotator: row.annotator,
    value: row.value,
    leadTimeMs: row.leadTimeMs,
    skipped: row.skipped,
    prelabelModel: row.prelabelModel,
    prelabelAcceptedUnchanged: row.prelabelAccepted,
    createdAt: new Date(row.createdAtMs),
    updatedAt: new Date(row.updatedAtMs),
    gold: row.gold,
    history: row.history.map((h) => ({ value: h.value, leadTimeMs: h.leadTimeMs, skipped: h.skipped, createdAt: new Date(h.createdAtMs) })),
  });
}

export function toPrediction(p: PredictionRow): labeling.Prediction {
  return labeling.Prediction.fromPartial({
    model: { name: p.modelName, selector: { $case: 'version', value: p.modelVersion } },
    value: p.value,
    classScores: p.classScores,
    score: p.score,
    createdAt: new Date(p.createdAtMs),
    source: 'model',
  });
}
