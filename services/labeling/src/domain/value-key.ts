/**
 * A canonical string for an annotation value, so two annotators' values
 * compare equal when they mean the same (class order, span order and span
 * texts do not matter): the key of majority votes and of disagreement.
 */
import type { labeling } from '@l1g1/contracts';

export function valueKey(value: labeling.AnnotationValue | undefined): string {
  const v = value?.value;
  if (!v) return '';
  switch (v.$case) {
    case 'classification':
      return `c:${JSON.stringify([...v.value.labels].sort())}`;
    case 'ner':
      return `n:${JSON.stringify(v.value.spans.map((s) => [s.start, s.end, s.label]).sort((a, b) => Number(a[0]) - Number(b[0]) || Number(a[1]) - Number(b[1])))}`;
    case 'bbox':
      return `b:${JSON.stringify(v.value.boxes.map((b) => [b.label, b.x, b.y, b.width, b.height]).sort())}`;
    case 'segmentation':
      return `s:${JSON.stringify(v.value.polygons.map((p) => [p.label, p.points.map((q) => [q.x, q.y])]).sort())}`;
    case 'freeText':
      return `t:${v.value.text.trim()}`;
  }
}
