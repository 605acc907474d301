import { errors } from '@l1g1/kit';
import { gaussianSigma, laplaceScale, sampleGaussian, sampleLaplace, validateEpsilon } from './noise-mechanisms';
import type { PrivacyBudget, PrivacyCost } from './privacy-budget';
import type { RandomSource } from './random-source';

/** How a release is protected: Laplace (ε-DP) or Gaussian ((ε, δ)-DP, ε < 1). */
export type PrivacyParams =
  | { readonly mechanism: 'laplace'; readonly epsilon: number }
  | { readonly mechanism: 'gaussian'; readonly epsilon: number; readonly delta: number };

/** How one noisy figure was made, so a reader can judge it. */
export interface NoiseDetail {
  readonly mechanism: 'laplace' | 'gaussian';
  readonly epsilon: number;
  readonly delta: number;
  /** L1 sensitivity (Laplace) or L2 sensitivity (Gaussian) of the query. */
  readonly sensitivity: number;
  /** Laplace scale b, or Gaussian σ. */
  readonly scale: number;
}

export interface CountRelease {
  readonly count: number;
  readonly noise: NoiseDetail;
}

export interface HistogramRelease {
  /** Noisy count per bin, in the order of the bins asked for. */
  readonly bins: readonly { readonly bin: string; readonly count: number }[];
  readonly noise: NoiseDetail;
}

export interface MeanRelease {
  /** Noisy sum / noisy count, clamped to [lower, upper]. */
  readonly mean: number;
  readonly lower: number;
  readonly upper: number;
  readonly sum: NoiseDetail;
  readonly count: NoiseDetail;
}

export interface PrivateStatistics {
  /** A record count. Sensitivity 1: adding or removing one record changes it by 1. */
  count(trueCount: number, params: PrivacyParams): CountRelease;
  /**
   * Counts per bin. `bins` must come from the request or the schema, never
   * from the data (a bin that exists only because one person is in it would
   * leak them); values outside `bins` are not counted. One record falls in
   * one bin, so the L1 and L2 sensitivities are both 1 and every bin gets
   * noise of the full ε, the whole histogram costing ε once.
   */
  histogram(counts: ReadonlyMap<string, number>, bins: readonly string[], params: PrivacyParams): HistogramRelease;
  /**
   * A mean of values clamped to [lower, upper]: a noisy sum (sensitivity
   * max(|lower|, |upper|)) over a noisy count (sensitivity 1), each with half
   * of ε (and of δ). Clamping bounds one record's influence; the bounds must
   * not come from the data either.
   */
  mean(values: Iterable<number>, lower: number, upper: number, params: PrivacyParams): MeanRelease;
}

function costOf(params: PrivacyParams): PrivacyCost {
  return { epsilon: params.epsilon, delta: params.mechanism === 'gaussian' ? params.delta : 0 };
}

function noiseFor(params: PrivacyParams, sensitivity: number): NoiseDetail {
  validateEpsilon(params.epsilon);
  return params.mechanism === 'laplace'
    ? { mechanism: 'laplace', epsilon: params.epsilon, delta: 0, sensitivity, scale: laplaceScale(sensitivity, params.epsilon) }
    : {
        mechanism: 'gaussian',
        epsilon: params.epsilon,
        delta: params.delta,
        sensitivity,
        scale: gaussianSigma(sensitivity, params.epsilon, params.delta),
      };
}

function halve(params: PrivacyParams): PrivacyParams {
  return params.mechanism === 'laplace'
    ? { mechanism: 'laplace', epsilon: params.epsilon / 2 }
    : { mechanism: 'gaussian', epsilon: params.epsilon / 2, delta: params.delta / 2 };
}

/**
 * Differentially private releases over one dataset's budget: each call
 * validates, charges the budget (or is refused with PRIVACY_BUDGET_SPENT,
 * nothing drawn), then adds noise from `random`. Figures are not rounded or
 * clamped at zero, so they stay unbiased; rounding is safe post-processing
 * for whoever displays them.
 */
export function createPrivateStatistics(deps: { budget: PrivacyBudget; random: RandomSource }): PrivateStatistics {
  const { budget, random } = deps;
  const draw = (noise: NoiseDetail): number =>
    noise.mechanism === 'laplace' ? sampleLaplace(noise.scale, random) : sampleGaussian(noise.scale, random);
  const nonNegativeCount = (field: string, n: number): void => {
    if (!(Number.isInteger(n) && n >= 0)) throw errors.invalidArgument(field, 'must be an integer >= 0');
  };
  return {
    count(trueCount, params) {
      nonNegativeCount('count', trueCount);
      const noise = noiseFor(params, 1);
      budget.charge(costOf(params), 'a count');
      return { count: trueCount + draw(noise), noise };
    },
    histogram(counts, bins, params) {
      if (bins.length === 0) throw errors.invalidArgument('bins', 'must list at least one bin');
      if (new Set(bins).size !== bins.length) throw errors.invalidArgument('bins', 'must not repeat a bin');
      for (const [bin, n] of counts) nonNegativeCount(`counts[${bin}]`, n);
      const noise = noiseFor(params, 1);
      budget.charge(costOf(params), 'a histogram');
      return { bins: bins.map((bin) => ({ bin, count: (counts.get(bin) ?? 0) + draw(noise) })), noise };
    },
    mean(values, lower, upper, params) {
      if (!(Number.isFinite(lower) && Number.isFinite(upper) && lower < upper)) {
        throw errors.invalidArgument('lower', 'lower and upper must be finite with lower < upper');
      }
      const half = halve(params);
      const sumNoise = noiseFor(half, Math.max(Math.abs(lower), Math.abs(upper)));
      const countNoise = noiseFor(half, 1);
      let sum = 0;
      let n = 0;
      for (const v of values) {
        if (!Number.isFinite(v)) throw errors.invalidArgument(`values[${n}]`, 'must be a finite number');
        sum += Math.min(upper, Math.max(lower, v));
        n += 1;
      }
      budget.charge(costOf(params), 'a mean');
      const noisySum = sum + draw(sumNoise);
      const noisyCount = n + draw(countNoise);
      const mean = noisyCount >= 1 ? noisySum / noisyCount : (lower + upper) / 2;
      return { mean: Math.min(upper, Math.max(lower, mean)), lower, upper, sum: sumNoise, count: countNoise };
    },
  };
}
