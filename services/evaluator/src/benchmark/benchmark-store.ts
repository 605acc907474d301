/** Benchmark results, stored like evaluation runs: one row per finished batch size, under the run's id. */
import type { evaluator } from '@l1g1/contracts';

export interface BenchmarkStore {
  add(result: evaluator.BenchmarkResult): Promise<void>;
  /** The results of one run, in the order they finished. */
  get(runId: string): Promise<evaluator.BenchmarkResult[]>;
  close(): Promise<void>;
}
