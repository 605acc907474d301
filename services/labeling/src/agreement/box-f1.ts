/**
 * Box-level agreement between two annotators (detection's matching rule
 * applied to a pair): boxes of the same class are matched one-to-one,
 * greedily in order of decreasing IoU, when their IoU reaches the threshold
 * (PASCAL VOC / COCO matching; greedy rather than optimal because that is
 * what detection metrics do, and it is deterministic). Like span F1, F1 is
 * symmetric and two empty annotations agree perfectly.
 *
 * Boxes are `x, y` (top-left corner), `width, height`, in any one unit;
 * the labeling contract's are fractions of the image size.
 */

export interface LabeledBox {
  label: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Intersection over union of two axis-aligned boxes. Boxes that only touch
 * (a shared edge) or do not overlap have IoU 0; so do two empty boxes.
 */
export function boxIou(a: LabeledBox, b: LabeledBox): number {
  const iw = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const ih = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

export interface BoxMatch {
  /** Index into the first list. */
  a: number;
  /** Index into the second list. */
  b: number;
  iou: number;
}

export interface BoxMatchOptions {
  /** Pairs below it stay unmatched (0 < t <= 1). */
  iouThreshold: number;
  /** Match only boxes of the same label (F1); false matches across labels (units for kappa). */
  sameLabel: boolean;
}

/**
 * One-to-one greedy matching: every candidate pair at or above the threshold,
 * best IoU first (ties: lower index of `a`, then of `b`), each box used once.
 */
export function matchBoxes(a: readonly LabeledBox[], b: readonly LabeledBox[], options: BoxMatchOptions): BoxMatch[] {
  const candidates: BoxMatch[] = [];
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < b.length; j++) {
      const ba = a[i] as LabeledBox;
      const bb = b[j] as LabeledBox;
      if (options.sameLabel && ba.label !== bb.label) continue;
      const iou = boxIou(ba, bb);
      if (iou > 0 && iou >= options.iouThreshold) candidates.push({ a: i, b: j, iou });
    }
  }
  candidates.sort((x, y) => y.iou - x.iou || x.a - y.a || x.b - y.b);
  const usedA = new Set<number>();
  const usedB = new Set<number>();
  const out: BoxMatch[] = [];
  for (const c of candidates) {
    if (usedA.has(c.a) || usedB.has(c.b)) continue;
    usedA.add(c.a);
    usedB.add(c.b);
    out.push(c);
  }
  return out;
}

export interface BoxF1Result {
  f1: number;
  /** matched / boxes of B. */
  precision: number;
  /** matched / boxes of A. */
  recall: number;
  matched: number;
  boxesA: number;
  boxesB: number;
  /** Sum of the matched pairs' IoU (so callers can pool means across pairs). */
  iouSum: number;
  /** Mean IoU of the matched pairs; 0 when none matched. */
  meanIou: number;
}

/** Micro F1 over units: `a[unit]` and `b[unit]` are the two annotators' boxes on one image. */
export function boxF1(a: readonly (readonly LabeledBox[])[], b: readonly (readonly LabeledBox[])[], iouThreshold: number): BoxF1Result {
  if (a.length !== b.length) throw new RangeError(`boxF1: ${a.length} units against ${b.length}`);
  let matched = 0;
  let na = 0;
  let nb = 0;
  let iouSum = 0;
  for (let u = 0; u < a.length; u++) {
    const ba = a[u] ?? [];
    const bb = b[u] ?? [];
    na += ba.length;
    nb += bb.length;
    for (const m of matchBoxes(ba, bb, { iouThreshold, sameLabel: true })) {
      matched++;
      iouSum += m.iou;
    }
  }
  const meanIou = matched === 0 ? 0 : iouSum / matched;
  if (na === 0 && nb === 0) return { f1: 1, precision: 1, recall: 1, matched: 0, boxesA: 0, boxesB: 0, iouSum: 0, meanIou: 0 };
  return {
    f1: (2 * matched) / (na + nb),
    precision: nb === 0 ? 0 : matched / nb,
    recall: na === 0 ? 0 : matched / na,
    matched,
    boxesA: na,
    boxesB: nb,
    iouSum,
    meanIou,
  };
}
