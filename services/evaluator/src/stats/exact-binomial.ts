import { logGamma } from './chi-square-tail';

/** Up to this n the tail is summed in exact integers (2^-n stays a normal double well past it). */
const EXACT_SUM_MAX_N = 1000;

/**
 * Two-sided exact binomial test of `k` successes in `n` trials against p = 0.5
 * (the null of McNemar's exact test): twice the smaller tail, capped at 1.
 * With p = 0.5 the distribution is symmetric, so this equals scipy's
 * `binomtest(k, n, 0.5).pvalue` (which sums every outcome no likelier than k).
 */
export function exactBinomialTwoSided(k: number, n: number): number {
  if (!Number.isInteger(k) || !Number.isInteger(n) || k < 0 || n < 0 || k > n) throw new RangeError(`need integers 0 <= k <= n, got k=${k} n=${n}`);
  if (n === 0) return 1;
  const lo = Math.min(k, n - k);
  if (n <= EXACT_SUM_MAX_N) {
    // Integer binomial coefficients summed exactly, then one rounding and an exact power-of-two scale.
    let c = 1n;
    let sum = 0n;
    for (let i = 0; i <= lo; i++) {
      sum += c;
      c = (c * BigInt(n - i)) / BigInt(i + 1);
    }
    return Math.min(1, Number(2n * sum) * 2 ** -n);
  }
  // Summed in log space so that n in the thousands neither overflows nor underflows.
  const logHalfN = n * Math.log(0.5);
  const logChoose = (i: number) => logGamma(n + 1) - logGamma(i + 1) - logGamma(n - i + 1);
  let tail = 0;
  for (let i = 0; i <= lo; i++) tail += Math.exp(logChoose(i) + logHalfN);
  return Math.min(1, 2 * tail);
}
