/** Binds the ingestion handlers to the generated IngestionService definition. */
import { ingestion } from '@l1g1/contracts';
import { toGrpcImplementation, type ServiceBinding } from '@l1g1/kit';
import type { IngestionDeps } from './deps';
import { createIngestionHandlers } from './handlers';
import { INGESTION_METHOD_SCOPES } from './method-scopes';

/** Fully qualified gRPC service name (also its grpc.health.v1 entry). */
export const INGESTION_SERVICE_NAME = 'l1g1.ingestion.v1.IngestionService';

/** The service binding for kit's `startGrpcServer`: handlers wrapped with the error catalogue. */
export function ingestionServiceBinding(deps: IngestionDeps): ServiceBinding {
  return {
    name: INGESTION_SERVICE_NAME,
    definition: ingestion.IngestionServiceService,
    implementation: toGrpcImplementation(ingestion.IngestionServiceService, createIngestionHandlers(deps), deps.logger),
    methodScopes: INGESTION_METHOD_SCOPES,
  };
}
