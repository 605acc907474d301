import { rankedScoreGroups } from './ranked-scores';

/**
 * Area under the ROC curve of one binary problem, by the trapezoidal rule
 * over the curve through each distinct score (scikit-learn's
 * `roc_auc_score`): a tie between a positive and a negative counts half.
 * Undefined when the records hold only one of the two classes.
 */
export function binaryRocAuc(isPositive: readonly boolean[], scores: readonly number[]): number | undefined {
  const groups = rankedScoreGroups(isPositive, scores);
  let pos = 0;
  let neg = 0;
  for (const g of groups) {
    pos += g.positives;
    neg += g.negatives;
  }
  if (pos === 0 || neg === 0) return undefined;
  let area = 0;
  let tp = 0;
  for (const g of groups) {
    // Trapezoid between (fp, tp) and (fp + g.neg, tp + g.pos), in raw counts.
    area += g.negatives * (tp + g.positives / 2);
    tp += g.positives;
  }
  return area / (pos * neg);
}

/**
 * One-vs-rest AUC of each class from a probability matrix (rows = records,
 * columns = classes); undefined for a class with no positive or no
 * negative record.
 */
export function oneVsRestRocAuc(yTrue: readonly number[], probabilities: readonly (readonly number[])[], classCount: number): (number | undefined)[] {
  const out: (number | undefined)[] = [];
  for (let c = 0; c < classCount; c++) {
    out.push(binaryRocAuc(yTrue.map((y) => y === c), probabilities.map((row) => row[c] as number)));
  }
  return out;
}

/**
 * scikit-learn's `roc_auc_score(..., multi_class='ovr', average='macro')`;
 * for two classes, the AUC of `positiveClass`'s probability. Classes whose
 * AUC is undefined are left out of the mean; undefined when none remains.
 */
export function rocAuc(yTrue: readonly number[], probabilities: readonly (readonly number[])[], classCount: number, positiveClass = 1): number | undefined {
  if (classCount === 2) return binaryRocAuc(yTrue.map((y) => y === positiveClass), probabilities.map((row) => row[positiveClass] as number));
  return meanDefined(oneVsRestRocAuc(yTrue, probabilities, classCount));
}

/** Mean of the defined values; undefined when there are none. */
export function meanDefined(values: readonly (number | undefined)[]): number | undefined {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (v === undefined) continue;
    sum += v;
    n++;
  }
  return n === 0 ? undefined : sum / n;
}
