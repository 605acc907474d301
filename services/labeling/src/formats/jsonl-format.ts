/**
 * JSONL: one JSON object per task — ids, text, metadata and every chosen
 * annotation with its value in the contract's JSON — the one format that
 * holds everything (binary records are referenced by id, not inlined).
 */
import { labeling } from '@l1g1/contracts';
import type { ExportItem, FormatWriter, ImportedItem } from './export-item';

interface Line {
  task_id: string;
  record_id: string;
  text?: string;
  metadata: Record<string, string>;
  image_width?: number;
  image_height?: number;
  annotations: { annotator: string; value: unknown; lead_time_ms: number; gold: boolean }[];
}

export function jsonlWriter(): FormatWriter {
  return {
    contentType: 'application/x-ndjson',
    fileName: 'annotations.jsonl',
    passes: 1,
    begin: () => [],
    item(item: ExportItem) {
      const line: Line = {
        task_id: item.taskId,
        record_id: item.recordId,
        ...(item.text === undefined ? {} : { text: item.text }),
        metadata: item.metadata,
        ...(item.imageWidth > 0 ? { image_width: item.imageWidth, image_height: item.imageHeight } : {}),
        annotations: item.annotations.map((a) => ({ annotator: a.annotator, value: labeling.AnnotationValue.toJSON(a.value), lead_time_ms: a.leadTimeMs, gold: a.gold })),
      };
      return [{ text: `${JSON.stringify(line)}\n` }];
    },
    between: () => [],
    end: () => [],
  };
}

export function readJsonl(text: string): ImportedItem[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const line = JSON.parse(l) as Line;
      return {
        taskId: line.task_id,
        recordId: line.record_id,
        text: line.text,
        metadata: line.metadata ?? {},
        annotations: line.annotations.map((a) => ({ annotator: a.annotator, value: labeling.AnnotationValue.fromJSON(a.value), leadTimeMs: a.lead_time_ms, gold: a.gold })),
      };
    });
}
