/** What every model's `evaluate` reports (metric names as in the job's events and the registry). */
export interface ClassificationMetrics {
  /** Mean cross-entropy over the examples. */
  loss: number;
  accuracy: number;
  /** scikit-learn's `f1_score(average='macro')`: classes = those in the truth or the predictions. */
  macro_f1: number;
  examples: number;
}

/**
 * Macro-F1 as scikit-learn defines it: per class F1 = 2·tp / (2·tp + fp + fn), 0 when the class
 * has no true and no predicted example… which cannot happen here, since only classes present in
 * `truth ∪ predicted` are averaged (sklearn's default `labels`).
 */
export function macroF1(truth: ArrayLike<number>, predicted: ArrayLike<number>): number {
  if (truth.length !== predicted.length) throw new RangeError('truth and predicted differ in length');
  const counts = new Map<number, { tp: number; fp: number; fn: number }>();
  const of = (c: number) => {
    let entry = counts.get(c);
    if (entry === undefined) counts.set(c, (entry = { tp: 0, fp: 0, fn: 0 }));
    return entry;
  };
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i] as number;
    const p = predicted[i] as number;
    if (t === p) of(t).tp += 1;
    else {
      of(t).fn += 1;
      of(p).fp += 1;
    }
  }
  if (counts.size === 0) return 0;
  let sum = 0;
  for (const { tp, fp, fn } of counts.values()) sum += (2 * tp) / (2 * tp + fp + fn);
  return sum / counts.size;
}

/** Accuracy, macro-F1 and mean loss from per-example predictions and losses. */
export function classificationMetrics(truth: ArrayLike<number>, predicted: ArrayLike<number>, lossSum: number): ClassificationMetrics {
  let correct = 0;
  for (let i = 0; i < truth.length; i++) if (truth[i] === predicted[i]) correct += 1;
  const n = truth.length;
  return { loss: n === 0 ? 0 : lossSum / n, accuracy: n === 0 ? 0 : correct / n, macro_f1: macroF1(truth, predicted), examples: n };
}

/**
 * Classification metrics over `examples` in batches of `batchSize` (bounded memory): `scoreBatch`
 * answers each example's loss and predicted class for one batch.
 */
export function batchedClassificationMetrics<E extends { label: number }>(
  examples: readonly E[],
  batchSize: number,
  scoreBatch: (batch: readonly E[]) => { losses: ArrayLike<number>; predicted: ArrayLike<number> },
): ClassificationMetrics {
  const truth: number[] = [];
  const predicted: number[] = [];
  let lossSum = 0;
  for (let start = 0; start < examples.length; start += batchSize) {
    const batch = examples.slice(start, start + batchSize);
    const scored = scoreBatch(batch);
    batch.forEach((e, i) => {
      truth.push(e.label);
      predicted.push(scored.predicted[i] as number);
      lossSum += scored.losses[i] as number;
    });
  }
  return classificationMetrics(truth, predicted, lossSum);
}
