/**
 * CSV: one row per task — task id, record id, text, annotator, and the
 * label: the class name for single-label projects, else the value as the
 * contract's JSON (a cell holds one annotation: the resolved one).
 */
import { labeling } from '@l1g1/contracts';
import { parse } from 'csv-parse/sync';
import type { ExportItem, FormatWriter, ImportedItem } from './export-item';

const HEADER = ['task_id', 'record_id', 'text', 'annotator', 'label'];

/** RFC 4180 quoting: every cell quoted, quotes doubled (the writer side is this one line; the reader is csv-parse). */
const cell = (s: string): string => `"${s.replace(/"/g, '""')}"`;

function labelCell(value: labeling.AnnotationValue): string {
  const v = value.value;
  if (v?.$case === 'classification' && v.value.labels.length === 1) return v.value.labels[0] as string;
  return JSON.stringify(labeling.AnnotationValue.toJSON(value));
}

export function csvWriter(): FormatWriter {
  return {
    contentType: 'text/csv',
    fileName: 'annotations.csv',
    passes: 1,
    begin: () => [{ text: `${HEADER.join(',')}\r\n` }],
    item(item: ExportItem) {
      const a = item.annotations[0];
      return [{ text: `${[item.taskId, item.recordId, item.text ?? '', a?.annotator ?? '', a ? labelCell(a.value) : ''].map(cell).join(',')}\r\n` }];
    },
    between: () => [],
    end: () => [],
  };
}

export function readCsv(text: string, taskType: labeling.TaskType): ImportedItem[] {
  const rows = parse(text, { columns: true, skip_empty_lines: true, relax_column_count: false }) as Record<string, string>[];
  return rows.map((r) => {
    const label = r['label'] ?? '';
    const value: labeling.AnnotationValue | undefined =
      label === ''
        ? undefined
        : taskType === labeling.TaskType.TASK_TYPE_CLASSIFICATION && !label.startsWith('{')
          ? { value: { $case: 'classification', value: { labels: [label] } } }
          : labeling.AnnotationValue.fromJSON(JSON.parse(label));
    return {
      taskId: r['task_id'] ?? '',
      recordId: r['record_id'] ?? '',
      text: r['text'] === '' ? undefined : r['text'],
      annotations: value ? [{ annotator: r['annotator'] ?? '', value, leadTimeMs: 0, gold: false }] : [],
    };
  });
}
