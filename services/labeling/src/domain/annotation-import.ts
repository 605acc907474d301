/**
 * An uploaded export read back into what ImportAnnotations writes: new
 * tasks for text items whose record is not in the project yet, and every
 * annotation validated against the project's schema. Pure: the handler
 * collects the upload, the store writes the result in one transaction.
 * The first bad item is refused naming it (`items[3].annotations[0].value…`).
 */
import { labeling, type common } from '@l1g1/contracts';
import { errors, L1g1Error } from '@l1g1/kit';
import { readCoco, readConll, readCsv, readJsonl, readLabelStudio, readYolo, type ImportedItem } from '../formats';
import { newId } from './ids';
import type { ImportedAnnotationWrite, NewTask, ProjectRow } from './ports';
import { toNewTask, type ImportLimits } from './task-import';
import { validateAnnotationValue } from './validate-annotation';

const { ExportFormat: F, TaskType: T } = labeling;

/** Annotator recorded for formats that do not hold one (COCO, YOLO, CoNLL). */
export const IMPORT_ANNOTATOR = 'import';

/** The upload's files (path → text; single-file formats use ''), read by the format's reader. */
export function readUpload(format: labeling.ExportFormat, files: ReadonlyMap<string, string>, taskType: labeling.TaskType): ImportedItem[] {
  const only = files.get('') ?? '';
  try {
    switch (format) {
      case F.EXPORT_FORMAT_JSONL:
        return readJsonl(only);
      case F.EXPORT_FORMAT_CSV:
        return readCsv(only, taskType);
      case F.EXPORT_FORMAT_LABEL_STUDIO_JSON:
        return readLabelStudio(only);
      case F.EXPORT_FORMAT_CONLL2003:
        if (taskType !== T.TASK_TYPE_NER) throw errors.invalidArgument('header.format', 'CoNLL-2003 holds entity spans: import it into NER projects');
        return readConll(only);
      case F.EXPORT_FORMAT_COCO:
        if (taskType !== T.TASK_TYPE_BBOX && taskType !== T.TASK_TYPE_SEGMENTATION) throw errors.invalidArgument('header.format', 'COCO holds boxes and polygons: import it into image projects');
        return readCoco(only, taskType === T.TASK_TYPE_BBOX ? 'bbox' : 'segmentation');
      case F.EXPORT_FORMAT_YOLO:
        if (taskType !== T.TASK_TYPE_BBOX) throw errors.invalidArgument('header.format', 'YOLO holds boxes: import it into bbox projects');
        return readYolo(files);
      default:
        throw errors.invalidArgument('header.format', 'expected jsonl, csv, label_studio_json, conll2003, coco or yolo');
    }
  } catch (err: unknown) {
    if (err instanceof L1g1Error) throw err;
    // A reader's own fault text (JSON.parse, csv-parse) names a position in the client's upload, nothing of ours.
    const why = err instanceof Error ? err.message.slice(0, 200) : 'unreadable';
    throw errors.invalidArgument('chunk', `the upload is not a readable ${labeling.exportFormatToJSON(format).replace('EXPORT_FORMAT_', '').toLowerCase()} export: ${why}`);
  }
}

export interface ImportPlan {
  tasks: NewTask[];
  annotations: ImportedAnnotationWrite[];
}

/**
 * New tasks and validated annotations for `items`. An item is matched by
 * record id (or, without one, by its task id in this project); a text item
 * whose record is new becomes a task; an item with neither a known record
 * nor text is refused by the store (its task is not in the project).
 */
export function planImport(project: ProjectRow, items: readonly ImportedItem[], limits: ImportLimits & { maxItems: number }, nowMs: number): ImportPlan {
  if (items.length > limits.maxItems) throw errors.invalidArgument('chunk', `the upload holds ${items.length} items; at most ${limits.maxItems} per import`);
  const tasks: NewTask[] = [];
  const annotations: ImportedAnnotationWrite[] = [];
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const field = `items[${i}]`;
    if (item.recordId !== '' && item.text !== undefined && !seen.has(item.recordId)) {
      seen.add(item.recordId);
      const record: common.Record = { id: item.recordId, data: Buffer.from(item.text, 'utf8'), contentType: 'text/plain', metadata: item.metadata ?? {}, timestampUs: 0 };
      tasks.push(toNewTask(project, record, undefined, field, limits, nowMs));
    }
    item.annotations.forEach((a, j) => {
      const at = `${field}.annotations[${j}]`;
      const value = validateAnnotationValue(project.config, { text: item.text }, a.value, `${at}.value`);
      const annotator = a.annotator.trim() === '' ? IMPORT_ANNOTATOR : a.annotator;
      if (annotator.length > 200) throw errors.invalidArgument(`${at}.annotator`, 'at most 200 characters');
      if (!Number.isSafeInteger(a.leadTimeMs) || a.leadTimeMs < 0) throw errors.invalidArgument(`${at}.lead_time_ms`, 'must be a non-negative integer');
      annotations.push({
        id: newId('ann', nowMs),
        taskId: item.recordId === '' ? item.taskId : '',
        recordId: item.recordId,
        field: at,
        annotator,
        value,
        leadTimeMs: a.leadTimeMs,
        gold: a.gold,
      });
    });
  });
  return { tasks, annotations };
}
