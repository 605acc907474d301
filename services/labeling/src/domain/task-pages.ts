/**
 * Walks a project's tasks in import order, a page at a time, each with its
 * annotations: agreement, the review queue and exports read projects of any
 * size through this, holding one page in memory.
 */
import { labeling } from '@l1g1/contracts';
import type { AnnotationRow, LabelingStore, TaskRow } from './ports';

export const TASK_PAGE = 200;

export interface TaskWithAnnotations {
  task: TaskRow;
  annotations: AnnotationRow[];
}

/** Pages of tasks after `afterSeq` (and their annotations); `completedOnly` keeps COMPLETED tasks. */
export async function* taskPages(
  store: LabelingStore,
  projectId: string,
  options: { nowMs: number; afterSeq?: number; completedOnly?: boolean; pageSize?: number },
): AsyncGenerator<TaskWithAnnotations[]> {
  let after = options.afterSeq ?? -1;
  const limit = options.pageSize ?? TASK_PAGE;
  for (;;) {
    const tasks = await store.listTasks({
      projectId,
      state: options.completedOnly ? labeling.TaskState.TASK_STATE_COMPLETED : labeling.TaskState.TASK_STATE_UNSPECIFIED,
      annotator: '',
      afterSeq: after,
      limit,
      nowMs: options.nowMs,
    });
    if (tasks.length === 0) return;
    const annotations = await store.annotationsOfTasks(tasks.map((t) => t.id));
    const byTask = new Map<string, AnnotationRow[]>();
    for (const a of annotations) byTask.set(a.taskId, [...(byTask.get(a.taskId) ?? []), a]);
    yield tasks.map((task) => ({ task, annotations: byTask.get(task.id) ?? [] }));
    after = (tasks[tasks.length - 1] as TaskRow).seq;
    if (tasks.length < limit) return;
  }
}
