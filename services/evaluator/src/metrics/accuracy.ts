/** Fraction of records whose predicted class is the true one; 0 for no records (nothing was right). */
export function accuracy(yTrue: readonly number[], yPred: readonly number[]): number {
  checkSameLength(yTrue, yPred);
  if (yTrue.length === 0) return 0;
  let right = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) right++;
  return right / yTrue.length;
}

/** Paired label lists must pair up: a mismatch is a caller's bug, never data to average over. */
export function checkSameLength(a: readonly unknown[], b: readonly unknown[]): void {
  if (a.length !== b.length) throw new RangeError(`paired inputs differ in length: ${a.length} vs ${b.length}`);
}
