import { confusionMatrix } from './confusion-matrix';

/** One class's scores. */
export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  /** True records of the class. */
  support: number;
}

export interface AveragedScores {
  precision: number;
  recall: number;
  f1: number;
}

export interface PrecisionRecallF1 {
  perClass: ClassScores[];
  /** Unweighted mean over every class 0..classCount-1 (absent ones included, at 0). */
  macro: AveragedScores;
  /** From the summed counts; equals accuracy for single-label multi-class. */
  micro: AveragedScores;
  /** Mean weighted by support; 0 when there is no support at all. */
  weighted: AveragedScores;
}

/** a / b, or 0 when b is 0: scikit-learn's `zero_division=0`. */
export function safeDivide(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

/** Harmonic mean of precision and recall, 0 when both are 0 (zero_division=0). */
export function f1Of(precision: number, recall: number): number {
  return safeDivide(2 * precision * recall, precision + recall);
}

/**
 * Per-class precision, recall and F1 with macro, micro and weighted
 * averages, as scikit-learn's `precision_recall_fscore_support(y_true,
 * y_pred, labels=range(classCount), zero_division=0)`. Every class counts in
 * the macro average, including one absent from both lists (scores 0): the
 * class list is the model's, not whatever the sample happened to contain.
 */
export function precisionRecallF1(yTrue: readonly number[], yPred: readonly number[], classCount: number): PrecisionRecallF1 {
  const m = confusionMatrix(yTrue, yPred, classCount);
  const perClass: ClassScores[] = [];
  let tpSum = 0;
  let predSum = 0;
  let trueSum = 0;
  for (let c = 0; c < classCount; c++) {
    const tp = (m[c] as number[])[c] as number;
    let predicted = 0;
    let actual = 0;
    for (let k = 0; k < classCount; k++) {
      predicted += (m[k] as number[])[c] as number;
      actual += (m[c] as number[])[k] as number;
    }
    const precision = safeDivide(tp, predicted);
    const recall = safeDivide(tp, actual);
    perClass.push({ precision, recall, f1: f1Of(precision, recall), support: actual });
    tpSum += tp;
    predSum += predicted;
    trueSum += actual;
  }
  const mean = (pick: (s: ClassScores) => number, weight: (s: ClassScores) => number): number => {
    let total = 0;
    let weights = 0;
    for (const s of perClass) {
      total += pick(s) * weight(s);
      weights += weight(s);
    }
    return safeDivide(total, weights);
  };
  const one = (): number => 1;
  const bySupport = (s: ClassScores): number => s.support;
  const microP = safeDivide(tpSum, predSum);
  const microR = safeDivide(tpSum, trueSum);
  return {
    perClass,
    macro: { precision: mean((s) => s.precision, one), recall: mean((s) => s.recall, one), f1: mean((s) => s.f1, one) },
    micro: { precision: microP, recall: microR, f1: f1Of(microP, microR) },
    weighted: { precision: mean((s) => s.precision, bySupport), recall: mean((s) => s.recall, bySupport), f1: mean((s) => s.f1, bySupport) },
  };
}
