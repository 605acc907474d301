import { chiSquareSurvival } from './chi-square-tail';
import { exactBinomialTwoSided } from './exact-binomial';

/**
 * Below this many discordant pairs the exact binomial test is used; from it
 * on, the chi-square statistic with continuity correction. 25 is the usual
 * switch (statsmodels' documentation, Fagerland et al. 2013): below it the
 * chi-square approximation's p-values are visibly off; above it the two agree
 * closely and the exact sum costs more for nothing.
 */
export const MCNEMAR_EXACT_BELOW = 25;

export interface McNemarResult {
  /** Baseline right, candidate wrong. */
  baselineOnly: number;
  /** Baseline wrong, candidate right. */
  candidateOnly: number;
  method: 'exact' | 'chi2';
  /** Chi-square with continuity correction; for `exact`, the smaller discordant count (the binomial statistic). */
  statistic: number;
  pValue: number;
}

/** McNemar's test from the two discordant counts of paired predictions. */
export function mcnemarFromCounts(baselineOnly: number, candidateOnly: number): McNemarResult {
  for (const [name, v] of [
    ['baselineOnly', baselineOnly],
    ['candidateOnly', candidateOnly],
  ] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${name} must be a non-negative integer, got ${v}`);
  }
  const n = baselineOnly + candidateOnly;
  if (n < MCNEMAR_EXACT_BELOW) {
    return { baselineOnly, candidateOnly, method: 'exact', statistic: Math.min(baselineOnly, candidateOnly), pValue: exactBinomialTwoSided(baselineOnly, n) };
  }
  const statistic = (Math.abs(baselineOnly - candidateOnly) - 1) ** 2 / n;
  return { baselineOnly, candidateOnly, method: 'chi2', statistic, pValue: chiSquareSurvival(statistic, 1) };
}

/**
 * McNemar's test on paired predictions of the same records: only records
 * where exactly one of the two is right count.
 */
export function mcnemar(truth: readonly string[], baseline: readonly string[], candidate: readonly string[]): McNemarResult {
  if (baseline.length !== truth.length || candidate.length !== truth.length) {
    throw new RangeError(`paired predictions need equal lengths (truth ${truth.length}, baseline ${baseline.length}, candidate ${candidate.length})`);
  }
  let baselineOnly = 0;
  let candidateOnly = 0;
  for (let i = 0; i < truth.length; i++) {
    const b = baseline[i] === truth[i];
    const c = candidate[i] === truth[i];
    if (b && !c) baselineOnly++;
    else if (c && !b) candidateOnly++;
  }
  return mcnemarFromCounts(baselineOnly, candidateOnly);
}
