/** Binds the labeling handlers to the generated LabelingService definition. */
import { labeling } from '@l1g1/contracts';
import { toGrpcImplementation, type ServiceBinding } from '@l1g1/kit';
import type { LabelingDeps } from './deps';
import { createLabelingHandlers } from './handlers';
import { LABELING_METHOD_SCOPES } from './method-scopes';

/** Fully qualified gRPC service name (also its grpc.health.v1 entry). */
export const LABELING_SERVICE_NAME = 'l1g1.labeling.v1.LabelingService';

/** The service binding for kit's `startGrpcServer`: handlers wrapped with the error catalogue. */
export function labelingServiceBinding(deps: LabelingDeps): ServiceBinding {
  return {
    name: LABELING_SERVICE_NAME,
    definition: labeling.LabelingServiceService,
    implementation: toGrpcImplementation(labeling.LabelingServiceService, createLabelingHandlers(deps), deps.logger),
    methodScopes: LABELING_METHOD_SCOPES,
  };
}
