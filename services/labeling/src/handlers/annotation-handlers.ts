/** SubmitAnnotation and ListAnnotations. */
import { labeling } from '@l1g1/contracts';
import { decodePageToken, encodePageToken, errors, filterFingerprint, type AsyncService } from '@l1g1/kit';
import type { LabelingDeps } from '../deps';
import { newId } from '../domain/ids';
import { recordText } from '../domain/record-content';
import { validateAnnotationValue } from '../domain/validate-annotation';
import { valueKey } from '../domain/value-key';
import { requireId, requireName } from './checks';
import { toAnnotation } from './mappers';
import { pageSizeOf } from './paging';

type Service = AsyncService<labeling.LabelingServiceService>;

/** A day: a longer lead time is a client clock bug, not time spent. */
const MAX_LEAD_TIME_MS = 86_400_000;

export function createAnnotationHandlers(deps: Pick<LabelingDeps, 'store' | 'now'>): Pick<Service, 'submitAnnotation' | 'listAnnotations'> {
  const { store } = deps;
  return {
    async submitAnnotation(req) {
      const taskId = requireId(req.taskId, 'task_id', 'tsk');
      const annotator = requireName(req.annotator, 'annotator');
      if (req.annotationId !== '') requireId(req.annotationId, 'annotation_id', 'ann');
      if (!Number.isSafeInteger(req.leadTimeMs) || req.leadTimeMs < 0 || req.leadTimeMs > MAX_LEAD_TIME_MS) {
        throw errors.invalidArgument('lead_time_ms', `expected 0..${MAX_LEAD_TIME_MS} milliseconds`);
      }
      const now = deps.now();
      const task = await store.getTask(taskId, now);
      if (!task) throw errors.notFound(`task ${taskId}`, { reason: 'TASK_NOT_FOUND' });
      const project = await store.getProject(task.projectId);
      if (!project) throw errors.notFound(`project ${task.projectId}`, { reason: 'PROJECT_NOT_FOUND' });
      if (req.skipped && req.value?.value) throw errors.invalidArgument('value', 'a skipped task carries no value');
      if (req.skipped && req.gold) throw errors.invalidArgument('gold', 'a gold answer cannot be a skip');
      const value = req.skipped ? undefined : validateAnnotationValue(project.config, { text: recordText(task.record) }, req.value);
      // Started from the task's pre-label: record which model version it came from and whether it was kept unchanged.
      const prelabel = req.fromPrelabel ? (await store.predictionsOfTasks([taskId])).get(taskId) : undefined;
      // Without a model's pre-label, the one shown is the imported `label_field` value (no model to record).
      const imported = req.fromPrelabel && !prelabel ? task.seedValue : undefined;
      if (req.fromPrelabel && !prelabel && !imported) throw errors.invalidArgument('from_prelabel', `task ${taskId} has no pre-label to start from`);
      if (req.fromPrelabel && req.skipped) throw errors.invalidArgument('from_prelabel', 'a skipped task carries no value to compare with the pre-label');
      const row = await store.writeAnnotation({
        id: newId('ann', now),
        taskId,
        annotator,
        value,
        leadTimeMs: req.leadTimeMs,
        skipped: req.skipped,
        gold: req.gold,
        fromPrelabel: req.fromPrelabel,
        prelabelModel: prelabel ? { name: prelabel.modelName, selector: { $case: 'version', value: prelabel.modelVersion } } : undefined,
        prelabelAccepted: prelabel !== undefined ? valueKey(value) === valueKey(prelabel.value) : imported !== undefined && valueKey(value) === valueKey(imported),
        replaces: req.annotationId,
        nowMs: now,
      });
      return toAnnotation(row);
    },
    async listAnnotations(req) {
      if (req.projectId === '' && req.taskId === '') throw errors.invalidArgument('project_id', 'give a project or a task');
      if (req.projectId !== '') requireId(req.projectId, 'project_id', 'prj');
      if (req.taskId !== '') requireId(req.taskId, 'task_id', 'tsk');
      const limit = pageSizeOf(req.page);
      const fp = filterFingerprint({ p: req.projectId, t: req.taskId, a: req.annotator });
      const after = decodePageToken(req.page?.pageToken ?? '', 'labeling.annotations', fp, 'string') ?? '';
      const rows = await store.listAnnotations({ projectId: req.projectId, taskId: req.taskId, annotator: req.annotator, afterId: after, limit: limit + 1 });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return { annotations: page.map(toAnnotation), page: { nextPageToken: rows.length > limit && last ? encodePageToken('labeling.annotations', fp, last.id) : '', totalSize: 0 } };
    },
  };
}
