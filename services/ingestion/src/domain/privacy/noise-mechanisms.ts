import { errors } from '@l1g1/kit';
import type { RandomSource } from './random-source';

/**
 * Laplace noise of scale b: density exp(-|x|/b)/(2b), mean 0, variance 2b².
 * By inverse CDF. Known limit: a textbook floating-point Laplace sampler
 * leaks through the gaps between doubles (Mironov, CCS 2012); snapping is
 * not implemented here, so treat released figures as research-grade DP.
 */
export function sampleLaplace(scale: number, random: RandomSource): number {
  for (;;) {
    const u = random() - 0.5;
    const tail = 1 - 2 * Math.abs(u);
    if (tail > 0) return -scale * Math.sign(u) * Math.log(tail);
  }
}

/** Gaussian noise N(0, σ²), by Box–Muller. */
export function sampleGaussian(sigma: number, random: RandomSource): number {
  for (;;) {
    const u1 = random();
    if (u1 > 0) return sigma * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * random());
  }
}

export function validateEpsilon(epsilon: number, field = 'epsilon'): void {
  if (!(Number.isFinite(epsilon) && epsilon > 0)) throw errors.invalidArgument(field, 'must be a finite number > 0');
}

/** Laplace mechanism: b = Δ₁ / ε gives ε-DP for a query of L1 sensitivity Δ₁. */
export function laplaceScale(l1Sensitivity: number, epsilon: number): number {
  validateEpsilon(epsilon);
  if (!(Number.isFinite(l1Sensitivity) && l1Sensitivity >= 0)) throw errors.invalidArgument('sensitivity', 'must be a finite number >= 0');
  return l1Sensitivity / epsilon;
}

/**
 * Gaussian mechanism, the classic calibration (Dwork & Roth 2014, Thm A.1):
 * σ = Δ₂ · sqrt(2 ln(1.25/δ)) / ε gives (ε, δ)-DP for 0 < ε < 1, which is
 * where that theorem holds: larger ε is refused rather than silently weaker.
 */
export function gaussianSigma(l2Sensitivity: number, epsilon: number, delta: number): number {
  validateEpsilon(epsilon);
  if (epsilon >= 1) throw errors.invalidArgument('epsilon', 'the Gaussian mechanism needs epsilon < 1 (classic calibration); use Laplace or split the release');
  if (!(delta > 0 && delta < 1)) throw errors.invalidArgument('delta', 'the Gaussian mechanism needs 0 < delta < 1');
  if (!(Number.isFinite(l2Sensitivity) && l2Sensitivity >= 0)) throw errors.invalidArgument('sensitivity', 'must be a finite number >= 0');
  return (l2Sensitivity * Math.sqrt(2 * Math.log(1.25 / delta))) / epsilon;
}
