/** Handlers of the model RPCs: decode, call the domain, encode. */
import type { registry } from '@l1g1/contracts';
import { actorOf, type AsyncService } from '@l1g1/kit';
import type { Registry } from '../domain/registry';
import { modelToWire, pageInput, pageToWire } from './mappers';

type Handlers = AsyncService<registry.ModelRegistryServiceService>;
/** The model RPCs of ModelRegistryService. */
export type ModelHandlers = Pick<Handlers, 'createModel' | 'getModel' | 'listModels' | 'updateModel' | 'deleteModel'>;

/** Model handlers over `reg`. */
export function createModelHandlers(reg: Registry): ModelHandlers {
  return {
    async createModel(req) {
      return modelToWire(
        await reg.createModel({ name: req.name, description: req.description, task: req.task, tags: req.tags }),
      );
    },

    async getModel(req) {
      return modelToWire(await reg.getModel(req.name));
    },

    async listModels(req) {
      const page = await reg.listModels({ page: pageInput(req.page), query: req.query, tags: req.tags });
      return { models: page.items.map(modelToWire), page: pageToWire(page) };
    },

    async updateModel(req) {
      return modelToWire(
        await reg.updateModel({
          name: req.name,
          tags: req.tags,
          ...(req.description === undefined ? {} : { description: req.description }),
          ...(req.task === undefined ? {} : { task: req.task }),
        }),
      );
    },

    async deleteModel(req, call) {
      return reg.deleteModel(req.name, { actor: actorOf(call.metadata) });
    },
  };
}
