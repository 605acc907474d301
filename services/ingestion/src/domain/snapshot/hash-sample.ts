import { unitHash } from './stable-hash';

export const DEFAULT_SAMPLE_SEED = 42;

/** First pass of a sample: sees every id, then yields the keep predicate. */
export interface SamplePlanner {
  add(id: string): void;
  finish(): (id: string) => boolean;
}

/**
 * Uniform sampling of at most `sampleSize` records by hash of id + seed: the
 * records with the `sampleSize` smallest positions are kept. Deterministic
 * (same records and seed, same sample) and order-free; a superset's sample
 * contains the subset's kept records that still rank. Memory: one float64
 * per record. `sampleSize` 0 keeps everything.
 */
export function createSamplePlanner(sampleSize: number, seed: number = DEFAULT_SAMPLE_SEED): SamplePlanner {
  const positions: number[] = [];
  const position = (id: string): number => unitHash(id, seed, 'sample');
  return {
    add(id) {
      if (sampleSize > 0) positions.push(position(id));
    },
    finish() {
      if (sampleSize <= 0 || positions.length <= sampleSize) return () => true;
      const sorted = Float64Array.from(positions).sort();
      positions.length = 0;
      const threshold = sorted[sampleSize - 1] as number;
      return (id) => position(id) <= threshold;
    },
  };
}
