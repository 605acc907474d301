/**
 * Groups the boxes several annotators drew on one image into clusters, one
 * object each: annotators are taken in name order, and each one's boxes are
 * matched one-to-one (../agreement matchBoxes, IoU at the threshold) to the
 * clusters built so far that hold no box of theirs yet, compared with each
 * cluster's mean box; a box left over starts a new cluster. With two
 * annotators this is exactly the pairwise matching of box F1.
 *
 * Clusters serve two things: agreement units (class-agnostic: per cluster,
 * annotator → class, "none" for an annotator without a box there) and the
 * consensus of a box task (same-class clusters backed by enough annotators).
 */
import { matchBoxes, type LabeledBox } from '../agreement';

/** IoU at which two boxes are the same object when the caller names none. */
export const DEFAULT_IOU_THRESHOLD = 0.5;

export interface BoxCluster {
  /** annotator → the box they drew for this object. */
  members: Map<string, LabeledBox>;
  /** Mean coordinates of the members (label: the first member's). */
  mean: LabeledBox;
}

export interface ClusterOptions {
  iouThreshold: number;
  /** Only boxes of one label share a cluster. */
  sameLabel: boolean;
}

function meanBox(boxes: readonly LabeledBox[], label: string): LabeledBox {
  const n = boxes.length;
  const sum = (f: (b: LabeledBox) => number): number => boxes.reduce((s, b) => s + f(b), 0) / n;
  return { label, x: sum((b) => b.x), y: sum((b) => b.y), width: sum((b) => b.width), height: sum((b) => b.height) };
}

/** Clusters of `byAnnotator` (annotator → boxes), in creation order. */
export function clusterBoxes(byAnnotator: ReadonlyMap<string, readonly LabeledBox[]>, options: ClusterOptions): BoxCluster[] {
  const clusters: BoxCluster[] = [];
  for (const who of [...byAnnotator.keys()].sort()) {
    const boxes = byAnnotator.get(who) ?? [];
    const open = clusters.filter((c) => !c.members.has(who));
    const matches = matchBoxes(
      open.map((c) => c.mean),
      boxes,
      options,
    );
    const taken = new Set<number>();
    for (const m of matches) {
      const c = open[m.a] as BoxCluster;
      c.members.set(who, boxes[m.b] as LabeledBox);
      c.mean = meanBox([...c.members.values()], c.mean.label);
      taken.add(m.b);
    }
    boxes.forEach((b, j) => {
      if (!taken.has(j)) clusters.push({ members: new Map([[who, b]]), mean: { ...b } });
    });
  }
  return clusters;
}
