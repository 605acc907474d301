/**
 * Renaming a class rewrites the stored annotations that use it, in the same
 * transaction as the schema change: values name classes, and a rename must
 * not leave annotations pointing at a class that no longer exists.
 */
import type { labeling } from '@l1g1/contracts';

/** `value` with every class name in `renames` (old → new) replaced. */
export function renameLabels(value: labeling.AnnotationValue, renames: ReadonlyMap<string, string>): labeling.AnnotationValue {
  const to = (l: string): string => renames.get(l) ?? l;
  const v = value.value;
  switch (v?.$case) {
    case 'classification':
      return { value: { $case: 'classification', value: { labels: v.value.labels.map(to) } } };
    case 'ner':
      return { value: { $case: 'ner', value: { spans: v.value.spans.map((s) => ({ ...s, label: to(s.label) })) } } };
    case 'bbox':
      return { value: { $case: 'bbox', value: { boxes: v.value.boxes.map((b) => ({ ...b, label: to(b.label) })) } } };
    case 'segmentation':
      return { value: { $case: 'segmentation', value: { polygons: v.value.polygons.map((p) => ({ ...p, label: to(p.label) })) } } };
    default:
      return value;
  }
}
