import { checkSameLength } from './accuracy';

/**
 * Counts[true][predicted] over classes 0..classCount-1 (scikit-learn's
 * `confusion_matrix(y_true, y_pred, labels=range(classCount))`).
 */
export function confusionMatrix(yTrue: readonly number[], yPred: readonly number[], classCount: number): number[][] {
  checkSameLength(yTrue, yPred);
  const m = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const row = m[checkClass(yTrue[i], classCount)] as number[];
    const p = checkClass(yPred[i], classCount);
    row[p] = (row[p] as number) + 1;
  }
  return m;
}

function checkClass(c: number | undefined, classCount: number): number {
  if (c === undefined || !Number.isInteger(c) || c < 0 || c >= classCount) throw new RangeError(`class index ${c} is outside 0..${classCount - 1}`);
  return c;
}
