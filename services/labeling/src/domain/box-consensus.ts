/**
 * The consensus of a bounding-box task, where exact equality (the other task
 * types' vote) would almost never happen: the boxes of the annotators are
 * clustered by class at an IoU threshold (box-clusters.ts), a cluster drawn
 * by at least ⌈n/2⌉ of the n annotators is an object of the consensus, at
 * the mean of its boxes. An annotator agrees with the consensus when their
 * boxes are exactly its objects (each matched once, nothing extra); with a
 * gold answer, when their boxes match the gold boxes the same way.
 */
import { matchBoxes, type LabeledBox } from '../agreement';
import { clusterBoxes } from './box-clusters';

export interface BoxVote {
  /** The consensus boxes (the gold ones when given). */
  boxes: LabeledBox[];
  /** Annotators whose boxes are exactly the consensus. */
  agreeing: number;
  /** Distinct answers: annotators differ when they drew different objects. */
  distinct: number;
}

const sameObjects = (a: readonly LabeledBox[], b: readonly LabeledBox[], iouThreshold: number): boolean =>
  a.length === b.length && matchBoxes(a, b, { iouThreshold, sameLabel: true }).length === a.length;

/** `byAnnotator`: annotator → boxes (each annotator once); `gold`: a reviewer's boxes, which win. */
export function boxVote(byAnnotator: ReadonlyMap<string, readonly LabeledBox[]>, gold: readonly LabeledBox[] | undefined, iouThreshold: number): BoxVote {
  const clusters = clusterBoxes(byAnnotator, { iouThreshold, sameLabel: true });
  // Each annotator's answer as the set of objects (clusters) they drew.
  const signatures = new Map<string, string>();
  for (const who of byAnnotator.keys()) signatures.set(who, clusters.flatMap((c, i) => (c.members.has(who) ? [i] : [])).join(','));
  const distinct = new Set(signatures.values()).size;
  if (gold) {
    const agreeing = [...byAnnotator.values()].filter((boxes) => sameObjects(boxes, gold, iouThreshold)).length;
    return { boxes: [...gold], agreeing, distinct };
  }
  const quorum = Math.ceil(byAnnotator.size / 2);
  const kept = clusters.flatMap((c, i) => (c.members.size >= quorum ? [i] : []));
  const consensusSignature = kept.join(',');
  const agreeing = [...signatures.values()].filter((s) => s === consensusSignature).length;
  return { boxes: kept.map((i) => (clusters[i] as (typeof clusters)[number]).mean), agreeing, distinct };
}
