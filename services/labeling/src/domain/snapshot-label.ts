/**
 * A task's resolved label as the text a snapshot record carries in its
 * metadata (metadata values are strings): the class name for single-label
 * classification, a JSON array of names for multi-label, a JSON array of
 * `[start, end, label]` spans for NER, the answer for free text, a JSON
 * array of `{x, y, width, height, label}` boxes (x, y: the top-left corner;
 * all four as fractions 0..1 of the image's width and height, as the
 * contract stores them; COCO's pixels are these times the image size) and
 * a JSON array of `{label, points: [[x, y], ...]}` polygons (fractions too).
 */
import { labeling } from '@l1g1/contracts';

const { TaskType: T } = labeling;

export function snapshotLabel(value: labeling.AnnotationValue, taskType: labeling.TaskType): string {
  const v = value.value;
  if (v?.$case === 'classification') return taskType === T.TASK_TYPE_CLASSIFICATION ? (v.value.labels[0] ?? '') : JSON.stringify(v.value.labels);
  if (v?.$case === 'ner') return JSON.stringify(v.value.spans.map((s) => [s.start, s.end, s.label]));
  if (v?.$case === 'freeText') return v.value.text;
  if (v?.$case === 'bbox') return JSON.stringify(v.value.boxes.map((b) => ({ x: b.x, y: b.y, width: b.width, height: b.height, label: b.label })));
  if (v?.$case === 'segmentation') return JSON.stringify(v.value.polygons.map((p) => ({ label: p.label, points: p.points.map((q) => [q.x, q.y]) })));
  return '';
}

/** The names a label counts under (label_counts): each class of a classification, each span's type, else the label text. */
export function labelNames(value: labeling.AnnotationValue, taskType: labeling.TaskType): string[] {
  const v = value.value;
  if (v?.$case === 'classification') return v.value.labels;
  if (v?.$case === 'ner') return v.value.spans.map((s) => s.label);
  if (v?.$case === 'bbox') return v.value.boxes.map((b) => b.label);
  if (v?.$case === 'segmentation') return v.value.polygons.map((p) => p.label);
  return [snapshotLabel(value, taskType)];
}
