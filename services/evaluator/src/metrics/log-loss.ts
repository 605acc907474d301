/** float64 machine epsilon: scikit-learn 1.2's `eps='auto'` for float64 probabilities. */
const EPS = 2.220446049250313e-16;

/**
 * Mean negative log-likelihood of the true class (cross-entropy), as
 * scikit-learn's `log_loss(y_true, probabilities, labels=range(K))`:
 * probabilities clipped to [eps, 1 − eps] and each row renormalised to sum
 * to 1 before the log, so a model's 0 never yields an infinite loss.
 */
export function logLoss(yTrue: readonly number[], probabilities: readonly (readonly number[])[]): number {
  if (yTrue.length !== probabilities.length) throw new RangeError(`paired inputs differ in length: ${yTrue.length} vs ${probabilities.length}`);
  if (yTrue.length === 0) return 0;
  let total = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const row = (probabilities[i] as number[]).map((p) => Math.min(Math.max(p, EPS), 1 - EPS));
    const sum = row.reduce((a, b) => a + b, 0);
    total -= Math.log((row[yTrue[i] as number] as number) / sum);
  }
  return total / yTrue.length;
}
