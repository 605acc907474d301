/**
 * A handler for every TrainerService method that answers UNIMPLEMENTED, the
 * base the real handler groups override: a method whose group has not landed
 * says so clearly instead of grpc-js's bare "method not found".
 */
import { trainer } from '@l1g1/contracts';
import { errors, type AsyncService } from '@l1g1/kit';

type Service = AsyncService<trainer.TrainerServiceService>;

export function createUnimplementedHandlers(): Service {
  const out: Record<string, () => Promise<never>> = {};
  for (const name of Object.keys(trainer.TrainerServiceService)) {
    out[name] = () =>
      Promise.reject(
        errors.unimplemented(`TrainerService.${name} is not available in this build of the trainer yet`, { reason: 'METHOD_NOT_IMPLEMENTED' }),
      );
  }
  // Every key of the definition has a handler above; each one rejects, whatever its streaming kind.
  return out as unknown as Service;
}
