/** Binds the registry's handlers to the generated ModelRegistryService definition. */
import { registry } from '@l1g1/contracts';
import { toGrpcImplementation, type Logger, type ServiceBinding } from '@l1g1/kit';
import type { Registry } from './domain/registry';
import { createRegistryHandlers } from './handlers';
import { REGISTRY_METHOD_SCOPES } from './method-scopes';

/** Fully qualified gRPC service name (also its grpc.health.v1 entry). */
export const REGISTRY_SERVICE_NAME = 'l1g1.modelregistry.v1.ModelRegistryService';

/** The service binding for kit's `startGrpcServer`: handlers wrapped with the error catalogue. */
export function registryServiceBinding(reg: Registry, logger: Logger): ServiceBinding {
  return {
    name: REGISTRY_SERVICE_NAME,
    definition: registry.ModelRegistryServiceService,
    implementation: toGrpcImplementation(
      registry.ModelRegistryServiceService,
      createRegistryHandlers(reg),
      logger,
    ),
    methodScopes: REGISTRY_METHOD_SCOPES,
  };
}
