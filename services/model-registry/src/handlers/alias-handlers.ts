/** Handlers of the alias RPCs, including the WatchAliases stream. */
import type { registry } from '@l1g1/contracts';
import { actorOf, cancellationSignal, writeWithBackpressure, type AsyncService } from '@l1g1/kit';
import type { Registry } from '../domain/registry';
import { aliasEventToWire, pageInput, pageToWire } from './mappers';

type Handlers = AsyncService<registry.ModelRegistryServiceService>;
/** The alias RPCs of ModelRegistryService. */
export type AliasHandlers = Pick<Handlers, 'setAlias' | 'deleteAlias' | 'listAliasEvents' | 'watchAliases'>;

/** Alias handlers over `reg`. */
export function createAliasHandlers(reg: Registry): AliasHandlers {
  return {
    async setAlias(req, call) {
      const event = await reg.setAlias(
        { modelName: req.modelName, alias: req.alias, version: req.version },
        { actor: actorOf(call.metadata) },
      );
      return aliasEventToWire(event);
    },

    async deleteAlias(req, call) {
      const event = await reg.deleteAlias(
        { modelName: req.modelName, alias: req.alias },
        { actor: actorOf(call.metadata) },
      );
      return aliasEventToWire(event);
    },

    async listAliasEvents(req) {
      const page = await reg.listAliasEvents({ modelName: req.modelName, page: pageInput(req.page) });
      return { events: page.items.map(aliasEventToWire), page: pageToWire(page) };
    },

    // Resolving (rather than throwing) when the client goes away or the
    // registry stops lets kit end the stream with OK, so shutdown never waits
    // on an open watch.
    async watchAliases(req, call) {
      const signal = cancellationSignal(call);
      const events = reg.watchAliases({ modelName: req.modelName, afterEventId: req.afterEventId }, signal);
      for await (const event of events) {
        await writeWithBackpressure(call, aliasEventToWire(event), signal);
      }
    },
  };
}
