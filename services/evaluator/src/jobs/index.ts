/**
 * The evaluator's job handlers by kind, for the kit job worker. Benchmark
 * and comparison jobs join here as one line each.
 */
import type { JobHandler } from '@l1g1/kit';
import type { EvaluatorDeps } from '../deps';

export function evaluatorJobHandlers(_deps: EvaluatorDeps): Record<string, JobHandler> {
  return {};
}
