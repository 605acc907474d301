import type { inference } from '@l1g1/contracts';
import { errors, type AsyncService } from '@l1g1/kit';
import type { ModelManager, RepositoryEntry } from '../domain/model-manager';
import { oipSelector } from './oip-handlers';
import { checkPrecision } from './inference-handlers';

type Service = typeof inference.InferenceServiceService;
type RepositoryMethods = Pick<AsyncService<Service>, 'repositoryIndex' | 'repositoryModelLoad' | 'repositoryModelUnload'>;

function toRepositoryModel(e: RepositoryEntry): inference.RepositoryModel {
  return { name: e.name, version: String(e.version), state: e.state, reason: e.reason, precision: e.precision };
}

/**
 * The OIP model_repository extension (Triton's `/v2/repository/...`) over
 * the model manager: the index lists loaded, loading and recently unloaded
 * models; load resolves and loads ahead of traffic (within the memory
 * budget); unload takes every loaded version of a name out of service,
 * letting requests in flight finish.
 */
export function createRepositoryHandlers(models: ModelManager): RepositoryMethods {
  return {
    async repositoryIndex(req) {
      const entries = models.repositoryIndex().filter((e) => !req.ready || e.state === 'READY');
      return { models: entries.map(toRepositoryModel) };
    },
    async repositoryModelLoad(req) {
      const sel = oipSelector(req.modelName, req.version);
      const model = await models.acquire({ ...sel, precision: checkPrecision(req.precision) });
      return {
        model: toRepositoryModel({ name: model.name, version: model.version, precision: model.precision, state: 'READY', reason: '' }),
      };
    },
    async repositoryModelUnload(req) {
      if (!req.modelName) throw errors.invalidArgument('model_name', 'model name is required');
      return { unloaded: await models.unloadByName(req.modelName, 0) };
    },
  };
}
