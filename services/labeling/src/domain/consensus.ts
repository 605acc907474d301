/**
 * Per-task consensus: a reviewer's gold answer when there is one, else the
 * most frequent value among the annotators (ties broken by the latest
 * submission). A task whose annotators gave different values and that has
 * no gold goes to the review queue. Bounding boxes vote by object instead
 * of by exact value (box-consensus.ts).
 */
import type { labeling } from '@l1g1/contracts';
import { boxVote } from './box-consensus';
import { DEFAULT_IOU_THRESHOLD } from './box-clusters';
import type { AnnotationRow } from './ports';
import { valueKey } from './value-key';

export interface Consensus {
  value: labeling.AnnotationValue | undefined;
  /** Share of the counted annotations equal to the consensus (0..1). */
  agreement: number;
  /** Non-skipped, non-gold annotations. */
  annotations: number;
  distinctValues: number;
  fromGold: boolean;
  /** Annotators disagree and no gold settles it. */
  needsReview: boolean;
}

export function consensusOf(rows: readonly AnnotationRow[], iouThreshold = DEFAULT_IOU_THRESHOLD): Consensus {
  const counted = rows.filter((r) => !r.skipped && !r.gold && r.value);
  const gold = rows.filter((r) => r.gold && r.value).sort((a, b) => a.updatedAtMs - b.updatedAtMs || a.id.localeCompare(b.id));
  const isBoxes = (r: AnnotationRow): boolean => r.value?.value?.$case === 'bbox';
  if (counted.length > 0 && counted.every(isBoxes) && gold.every(isBoxes)) return boxConsensus(counted, gold[gold.length - 1], iouThreshold);
  const groups = new Map<string, { n: number; latest: number; value: labeling.AnnotationValue | undefined }>();
  for (const r of counted) {
    const k = valueKey(r.value);
    const g = groups.get(k) ?? { n: 0, latest: -1, value: r.value };
    g.n++;
    if (r.updatedAtMs >= g.latest) {
      g.latest = r.updatedAtMs;
      g.value = r.value;
    }
    groups.set(k, g);
  }
  const goldRow = gold[gold.length - 1];
  let value: labeling.AnnotationValue | undefined;
  let key = '';
  if (goldRow) {
    value = goldRow.value;
    key = valueKey(value);
  } else {
    let best: { n: number; latest: number } | undefined;
    for (const [k, g] of groups) {
      if (!best || g.n > best.n || (g.n === best.n && g.latest > best.latest)) {
        best = g;
        key = k;
        value = g.value;
      }
    }
  }
  const agreeing = groups.get(key)?.n ?? 0;
  return {
    value,
    agreement: counted.length === 0 ? 0 : agreeing / counted.length,
    annotations: counted.length,
    distinctValues: groups.size,
    fromGold: goldRow !== undefined,
    needsReview: !goldRow && groups.size > 1,
  };
}

const boxesOf = (r: AnnotationRow): labeling.BoundingBox[] => (r.value?.value?.$case === 'bbox' ? r.value.value.value.boxes : []);

function boxConsensus(counted: readonly AnnotationRow[], goldRow: AnnotationRow | undefined, iouThreshold: number): Consensus {
  // One answer per annotator: their latest.
  const latest = [...counted].sort((a, b) => a.updatedAtMs - b.updatedAtMs || a.id.localeCompare(b.id));
  const byAnnotator = new Map(latest.map((r) => [r.annotator, boxesOf(r)]));
  const vote = boxVote(byAnnotator, goldRow ? boxesOf(goldRow) : undefined, iouThreshold);
  return {
    value: { value: { $case: 'bbox', value: { boxes: vote.boxes } } },
    agreement: vote.agreeing / byAnnotator.size,
    annotations: counted.length,
    distinctValues: vote.distinct,
    fromGold: goldRow !== undefined,
    needsReview: !goldRow && vote.distinct > 1,
  };
}
