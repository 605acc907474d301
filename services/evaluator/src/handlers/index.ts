/**
 * The EvaluatorService handlers: thin adapters from gRPC to the domain, one
 * group per concern. Each group overrides the methods it implements; the
 * rest answer UNIMPLEMENTED. Add a group as one line below.
 */
import type { evaluator } from '@l1g1/contracts';
import type { AsyncService } from '@l1g1/kit';
import type { EvaluatorDeps } from '../deps';
import { createBenchmarkHandlers } from './benchmark-handlers';
import { createCompareHandlers } from './compare-handlers';
import { createEvaluationHandlers } from './evaluation-handlers';
import { createGateHandlers } from './gate-handlers';
import { createUnimplementedHandlers } from './unimplemented-handlers';

export function createEvaluatorHandlers(deps: EvaluatorDeps): AsyncService<evaluator.EvaluatorServiceService> {
  return {
    ...createUnimplementedHandlers(),
    ...createEvaluationHandlers(deps),
    ...createGateHandlers(deps),
    ...createBenchmarkHandlers(deps),
    ...createCompareHandlers(deps),
  };
}
