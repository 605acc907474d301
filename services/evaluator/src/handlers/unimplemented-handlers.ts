/**
 * A handler for every EvaluatorService method that answers UNIMPLEMENTED, the
 * base the real handler groups override: a method whose group has not landed
 * says so clearly instead of grpc-js's bare "method not found".
 */
import { evaluator } from '@l1g1/contracts';
import { errors, type AsyncService } from '@l1g1/kit';

type Service = AsyncService<evaluator.EvaluatorServiceService>;

export function createUnimplementedHandlers(): Service {
  const out: Record<string, () => Promise<never>> = {};
  for (const name of Object.keys(evaluator.EvaluatorServiceService)) {
    out[name] = () =>
      Promise.reject(
        errors.unimplemented(`EvaluatorService.${name} is not available in this build of the evaluator yet`, { reason: 'METHOD_NOT_IMPLEMENTED' }),
      );
  }
  // Every key of the definition has a handler above; each one rejects, whatever its streaming kind.
  return out as unknown as Service;
}
