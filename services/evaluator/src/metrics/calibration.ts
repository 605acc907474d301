import { topClass } from './top-class';

/** One bin of the reliability diagram. */
export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  /** Mean top-class probability of the bin's records (0 when empty). */
  meanConfidence: number;
  /** Fraction of the bin's records whose top class is the true one (0 when empty). */
  accuracy: number;
}

export interface Calibration {
  /** Expected calibration error: Σ_b (n_b / N)·|accuracy_b − confidence_b|. */
  ece: number;
  bins: ReliabilityBin[];
}

/** The bin count when a request leaves it unset (Guo et al. 2017 use 15). */
export const DEFAULT_CALIBRATION_BINS = 15;

/**
 * Expected calibration error over `binCount` equal-width bins of the
 * top-class confidence (Guo et al., "On Calibration of Modern Neural
 * Networks", 2017). Bin b covers (b/B, (b+1)/B]; a confidence of exactly 0
 * falls in the first bin. The edges are b/B computed per bin, so a value on
 * an edge lands where the formula says and not where float accumulation
 * would put it. ECE is 0 for no records.
 */
export function calibration(yTrue: readonly number[], probabilities: readonly (readonly number[])[], binCount = DEFAULT_CALIBRATION_BINS): Calibration {
  if (!Number.isInteger(binCount) || binCount < 1) throw new RangeError(`binCount must be a positive integer, got ${binCount}`);
  if (yTrue.length !== probabilities.length) throw new RangeError(`paired inputs differ in length: ${yTrue.length} vs ${probabilities.length}`);
  const count = new Array<number>(binCount).fill(0);
  const confidenceSum = new Array<number>(binCount).fill(0);
  const correct = new Array<number>(binCount).fill(0);
  for (let i = 0; i < yTrue.length; i++) {
    const { index, confidence } = topClass(probabilities[i] as number[]);
    let b = 0;
    while (b < binCount - 1 && confidence > (b + 1) / binCount) b++;
    count[b] = (count[b] as number) + 1;
    confidenceSum[b] = (confidenceSum[b] as number) + confidence;
    if (index === yTrue[i]) correct[b] = (correct[b] as number) + 1;
  }
  const n = yTrue.length;
  let ece = 0;
  const bins: ReliabilityBin[] = [];
  for (let b = 0; b < binCount; b++) {
    const c = count[b] as number;
    const meanConfidence = c === 0 ? 0 : (confidenceSum[b] as number) / c;
    const acc = c === 0 ? 0 : (correct[b] as number) / c;
    if (c > 0) ece += (c / n) * Math.abs(acc - meanConfidence);
    bins.push({ lower: b / binCount, upper: (b + 1) / binCount, count: c, meanConfidence, accuracy: acc });
  }
  return { ece, bins };
}
