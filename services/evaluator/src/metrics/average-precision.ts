import { rankedScoreGroups } from './ranked-scores';
import { meanDefined } from './roc-auc';

/**
 * Area under the precision-recall curve as scikit-learn's
 * `average_precision_score`: Σ (Rₖ − Rₖ₋₁)·Pₖ over the distinct scores,
 * highest first (a step function, no interpolation; tied records form one
 * step). Undefined when no record is positive.
 */
export function binaryAveragePrecision(isPositive: readonly boolean[], scores: readonly number[]): number | undefined {
  const groups = rankedScoreGroups(isPositive, scores);
  let positives = 0;
  for (const g of groups) positives += g.positives;
  if (positives === 0) return undefined;
  let tp = 0;
  let fp = 0;
  let ap = 0;
  for (const g of groups) {
    tp += g.positives;
    fp += g.negatives;
    // Recall rises by g.positives / positives at precision tp / (tp + fp).
    ap += (g.positives / positives) * (tp / (tp + fp));
  }
  return ap;
}

/**
 * PR-AUC: for two classes, the average precision of `positiveClass`;
 * otherwise the macro mean over classes one-vs-rest
 * (`average_precision_score(label_binarize(y), probabilities, average='macro')`),
 * leaving out classes without a positive record.
 */
export function prAuc(yTrue: readonly number[], probabilities: readonly (readonly number[])[], classCount: number, positiveClass = 1): number | undefined {
  const column = (c: number): number[] => probabilities.map((row) => row[c] as number);
  if (classCount === 2) return binaryAveragePrecision(yTrue.map((y) => y === positiveClass), column(positiveClass));
  const perClass: (number | undefined)[] = [];
  for (let c = 0; c < classCount; c++) perClass.push(binaryAveragePrecision(yTrue.map((y) => y === c), column(c)));
  return meanDefined(perClass);
}
