/**
 * Label Studio JSON: an array of tasks `{id, data, meta, annotations:[{result,
 * completed_by, lead_time}]}` with Label Studio's result types (choices,
 * labels, rectanglelabels, polygonlabels, textarea); boxes and points in
 * percent of the image as Label Studio stores them. Written one task at a
 * time so the array streams.
 */
import type { labeling } from '@l1g1/contracts';
import type { ExportItem, FormatWriter, ImportedItem } from './export-item';

interface LsResult {
  from_name: string;
  to_name: string;
  type: string;
  value: Record<string, unknown>;
  original_width?: number;
  original_height?: number;
}

interface LsTask {
  id: string;
  data: { text?: string; image?: string; record_id: string };
  meta: Record<string, string>;
  annotations: { completed_by: string; lead_time: number; ground_truth: boolean; result: LsResult[] }[];
}

function results(value: labeling.AnnotationValue, item: ExportItem): LsResult[] {
  const v = value.value;
  const to = item.text === undefined ? 'image' : 'text';
  const size = item.imageWidth > 0 ? { original_width: item.imageWidth, original_height: item.imageHeight } : {};
  switch (v?.$case) {
    case 'classification':
      return [{ from_name: 'label', to_name: to, type: 'choices', value: { choices: v.value.labels } }];
    case 'ner':
      return v.value.spans.map((s) => ({ from_name: 'label', to_name: to, type: 'labels', value: { start: s.start, end: s.end, text: s.text, labels: [s.label] } }));
    case 'bbox':
      return v.value.boxes.map((b) => ({
        from_name: 'label',
        to_name: to,
        type: 'rectanglelabels',
        value: { x: b.x * 100, y: b.y * 100, width: b.width * 100, height: b.height * 100, rotation: 0, rectanglelabels: [b.label] },
        ...size,
      }));
    case 'segmentation':
      return v.value.polygons.map((p) => ({
        from_name: 'label',
        to_name: to,
        type: 'polygonlabels',
        value: { points: p.points.map((q) => [q.x * 100, q.y * 100]), polygonlabels: [p.label] },
        ...size,
      }));
    case 'freeText':
      return [{ from_name: 'answer', to_name: to, type: 'textarea', value: { text: [v.value.text] } }];
    default:
      return [];
  }
}

function valueOf(rs: readonly LsResult[]): labeling.AnnotationValue | undefined {
  const first = rs[0];
  if (!first) return undefined;
  const val = (r: LsResult) => r.value as Record<string, unknown> & { labels?: string[]; rectanglelabels?: string[]; polygonlabels?: string[] };
  switch (first.type) {
    case 'choices':
      return { value: { $case: 'classification', value: { labels: (val(first)['choices'] as string[]) ?? [] } } };
    case 'labels':
      return {
        value: {
          $case: 'ner',
          value: { spans: rs.map((r) => ({ start: Number(val(r)['start']), end: Number(val(r)['end']), text: String(val(r)['text'] ?? ''), label: val(r).labels?.[0] ?? '' })) },
        },
      };
    case 'rectanglelabels':
      return {
        value: {
          $case: 'bbox',
          value: {
            boxes: rs.map((r) => ({
              label: val(r).rectanglelabels?.[0] ?? '',
              x: Number(val(r)['x']) / 100,
              y: Number(val(r)['y']) / 100,
              width: Number(val(r)['width']) / 100,
              height: Number(val(r)['height']) / 100,
            })),
          },
        },
      };
    case 'polygonlabels':
      return {
        value: {
          $case: 'segmentation',
          value: { polygons: rs.map((r) => ({ label: val(r).polygonlabels?.[0] ?? '', points: (val(r)['points'] as number[][]).map(([x, y]) => ({ x: Number(x) / 100, y: Number(y) / 100 })) })) },
        },
      };
    case 'textarea':
      return { value: { $case: 'freeText', value: { text: ((val(first)['text'] as string[]) ?? []).join('\n') } } };
    default:
      return undefined;
  }
}

export function labelStudioWriter(): FormatWriter {
  return {
    contentType: 'application/json',
    fileName: 'annotations.json',
    passes: 1,
    begin: () => [{ text: '[' }],
    item(item: ExportItem, _pass: number, first: boolean) {
      const task: LsTask = {
        id: item.taskId,
        data: { ...(item.text === undefined ? { image: `record:${item.recordId}` } : { text: item.text }), record_id: item.recordId },
        meta: item.metadata,
        // Label Studio counts lead time in seconds.
        annotations: item.annotations.map((a) => ({ completed_by: a.annotator, lead_time: a.leadTimeMs / 1000, ground_truth: a.gold, result: results(a.value, item) })),
      };
      return [{ text: `${first ? '' : ','}\n${JSON.stringify(task)}` }];
    },
    between: () => [],
    end: () => [{ text: '\n]\n' }],
  };
}

export function readLabelStudio(text: string): ImportedItem[] {
  const tasks = JSON.parse(text) as LsTask[];
  return tasks.map((t) => ({
    taskId: String(t.id),
    recordId: t.data.record_id,
    text: t.data.text,
    metadata: t.meta ?? {},
    annotations: t.annotations.flatMap((a) => {
      const value = valueOf(a.result);
      return value ? [{ annotator: a.completed_by, value, leadTimeMs: Math.round(a.lead_time * 1000), gold: a.ground_truth }] : [];
    }),
  }));
}
