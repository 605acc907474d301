/**
 * A handler for every IngestionService method that answers UNIMPLEMENTED,
 * the base the real handler groups override: a method whose group has not
 * landed says so clearly instead of grpc-js's bare "method not found".
 */
import { ingestion } from '@l1g1/contracts';
import { errors, type AsyncService } from '@l1g1/kit';

type Service = AsyncService<ingestion.IngestionServiceService>;

export function createUnimplementedHandlers(): Service {
  const out: Record<string, () => Promise<never>> = {};
  for (const name of Object.keys(ingestion.IngestionServiceService)) {
    out[name] = () =>
      Promise.reject(
        errors.unimplemented(`IngestionService.${name} is not available in this build of the ingestion service yet`, {
          reason: 'METHOD_NOT_IMPLEMENTED',
        }),
      );
  }
  // Every key of the definition has a handler above; each one rejects, whatever its streaming kind.
  return out as unknown as Service;
}
