import { createMulberry32 } from '@l1g1/onnx';
import { percentile } from './percentile';

/** Most resamples one interval may take (each costs one metric pass per side). */
export const MAX_BOOTSTRAP_RESAMPLES = 10_000;
/** Most `resamples x records` one call may compute: bounds the CPU a request can ask for. */
export const MAX_BOOTSTRAP_WORK = 200_000_000;

/** A metric of predictions on the records at `indices` (with repeats: a bootstrap resample). */
export type PairedMetric = (indices: Uint32Array, side: 'baseline' | 'candidate') => number;

export interface BootstrapOptions {
  /** Number of records (indices are drawn from 0..records-1). */
  records: number;
  /** Number of resamples B; default 1000. */
  resamples?: number;
  /** Confidence level; default 0.95. */
  confidence?: number;
  seed: number;
}

export interface DeltaInterval {
  /** Candidate minus baseline on all records. */
  delta: number;
  lower: number;
  upper: number;
  confidence: number;
  resamples: number;
  seed: number;
}

/**
 * Percentile bootstrap confidence interval of a metric's delta (candidate
 * minus baseline) on paired predictions: each resample draws the same record
 * indices for both sides, so the pairing (and its correlation) is kept.
 * Deterministic for a seed (mulberry32).
 */
export function bootstrapDelta(metric: PairedMetric, options: BootstrapOptions): DeltaInterval {
  const { records, seed } = options;
  const resamples = options.resamples ?? 1000;
  const confidence = options.confidence ?? 0.95;
  if (!Number.isInteger(records) || records < 1) throw new RangeError(`records must be a positive integer, got ${records}`);
  if (!Number.isInteger(resamples) || resamples < 1 || resamples > MAX_BOOTSTRAP_RESAMPLES) {
    throw new RangeError(`resamples must be an integer within [1, ${MAX_BOOTSTRAP_RESAMPLES}], got ${resamples}`);
  }
  if (resamples * records > MAX_BOOTSTRAP_WORK) {
    throw new RangeError(`resamples x records is ${resamples * records}, above ${MAX_BOOTSTRAP_WORK}; use fewer resamples or a record sample`);
  }
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be within (0, 1), got ${confidence}`);
  const all = new Uint32Array(records);
  for (let i = 0; i < records; i++) all[i] = i;
  const delta = metric(all, 'candidate') - metric(all, 'baseline');
  const random = createMulberry32(seed);
  const deltas: number[] = new Array<number>(resamples);
  const indices = new Uint32Array(records);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < records; i++) indices[i] = Math.floor(random() * records);
    deltas[b] = metric(indices, 'candidate') - metric(indices, 'baseline');
  }
  const alpha = (1 - confidence) / 2;
  return { delta, lower: percentile(deltas, alpha), upper: percentile(deltas, 1 - alpha), confidence, resamples, seed };
}

/** Accuracy of paired label predictions, as a PairedMetric. */
export function pairedAccuracy(truth: readonly string[], baseline: readonly string[], candidate: readonly string[]): PairedMetric {
  return (indices, side) => {
    const pred = side === 'baseline' ? baseline : candidate;
    let right = 0;
    for (const i of indices) if (pred[i] === truth[i]) right++;
    return right / indices.length;
  };
}
