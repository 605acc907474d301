/**
 * A handler for every LabelingService method that answers UNIMPLEMENTED, the
 * base the real handler groups override: a method still to come
 * (ExportToSnapshot) says so clearly meanwhile.
 */
import { labeling } from '@l1g1/contracts';
import { errors, type AsyncService } from '@l1g1/kit';

type Service = AsyncService<labeling.LabelingServiceService>;

export function createUnimplementedHandlers(): Service {
  const out: Record<string, () => Promise<never>> = {};
  for (const name of Object.keys(labeling.LabelingServiceService)) {
    out[name] = () =>
      Promise.reject(errors.unimplemented(`LabelingService.${name} is not available in this build of the labeling service yet`, { reason: 'METHOD_NOT_IMPLEMENTED' }));
  }
  // Every key of the definition has a handler above; each one rejects, whatever its streaming kind.
  return out as unknown as Service;
}
