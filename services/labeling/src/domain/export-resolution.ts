/**
 * Which annotations stand for a task in an export: the consensus (gold, else
 * majority; the default), the latest, or all of them.
 */
import { labeling } from '@l1g1/contracts';
import type { ExportAnnotation } from '../formats/export-item';
import { consensusOf } from './consensus';
import type { AnnotationRow } from './ports';

const { Resolution: R } = labeling;

const asExport = (a: AnnotationRow): ExportAnnotation[] => (a.value ? [{ annotator: a.annotator, value: a.value, leadTimeMs: a.leadTimeMs, gold: a.gold }] : []);

export function resolveAnnotations(rows: readonly AnnotationRow[], resolution: labeling.Resolution): ExportAnnotation[] {
  const labelled = rows.filter((a) => !a.skipped && a.value).sort((a, b) => a.updatedAtMs - b.updatedAtMs || a.id.localeCompare(b.id));
  if (resolution === R.RESOLUTION_ALL) return labelled.flatMap(asExport);
  if (resolution === R.RESOLUTION_LATEST) {
    const last = labelled[labelled.length - 1];
    return last ? asExport(last) : [];
  }
  const c = consensusOf(rows);
  if (!c.value) return [];
  // The annotator of a consensus is the latest one who gave that value (the reviewer for gold).
  const key = JSON.stringify(labeling.AnnotationValue.toJSON(c.value));
  const by = [...labelled].reverse().find((a) => a.gold === c.fromGold && a.value && JSON.stringify(labeling.AnnotationValue.toJSON(a.value)) === key);
  return [{ annotator: by?.annotator ?? '', value: c.value, leadTimeMs: by?.leadTimeMs ?? 0, gold: c.fromGold }];
}
