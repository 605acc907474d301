/** CompareVariants: a thin adapter over the comparison (src/compare/compare-variants.ts). */
import type { evaluator } from '@l1g1/contracts';
import { actorOf, type AsyncService } from '@l1g1/kit';
import { compareVariants, type CompareDeps } from '../compare/compare-variants';

type Handlers = Pick<AsyncService<evaluator.EvaluatorServiceService>, 'compareVariants'>;

export function createCompareHandlers(deps: CompareDeps): Handlers {
  return {
    async compareVariants(req, call) {
      return compareVariants(deps, req, actorOf(call.metadata));
    },
  };
}
