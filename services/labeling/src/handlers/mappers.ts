/** Domain rows to the contract's messages. */
import { labeling } from '@l1g1/contracts';
import type { AnnotationRow, ProjectCounts, ProjectRow, TaskRow } from '../domain/ports';

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

export function toTask(row: TaskRow): labeling.Task {
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
  });
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
    prelabelAcceptedUnchanged: false,
    createdAt: new Date(row.createdAtMs),
    updatedAt: new Date(row.updatedAtMs),
    gold: row.gold,
    history: row.history.map((h) => ({ value: h.value, leadTimeMs: h.leadTimeMs, skipped: h.skipped, createdAt: new Date(h.createdAtMs) })),
  });
}
