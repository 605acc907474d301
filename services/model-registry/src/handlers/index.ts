/** The ModelRegistryService handlers: thin adapters from gRPC to the domain. */
import type { registry } from '@l1g1/contracts';
import type { AsyncService } from '@l1g1/kit';
import type { Registry } from '../domain/registry';
import { createAliasHandlers } from './alias-handlers';
import { createModelHandlers } from './model-handlers';
import { createVersionHandlers } from './version-handlers';

/** Every RPC of ModelRegistryService, bound to `reg` (errors map through kit's catalogue). */
export function createRegistryHandlers(reg: Registry): AsyncService<registry.ModelRegistryServiceService> {
  return { ...createModelHandlers(reg), ...createVersionHandlers(reg), ...createAliasHandlers(reg) };
}
