/** Binds the trainer handlers to the generated TrainerService definition. */
import { trainer } from '@l1g1/contracts';
import { toGrpcImplementation, type ServiceBinding } from '@l1g1/kit';
import type { TrainerDeps } from './deps';
import { createTrainerHandlers } from './handlers';
import { TRAINER_METHOD_SCOPES } from './method-scopes';

/** Fully qualified gRPC service name (also its grpc.health.v1 entry). */
export const TRAINER_SERVICE_NAME = 'l1g1.trainer.v1.TrainerService';

/** The service binding for kit's `startGrpcServer`: handlers wrapped with the error catalogue. */
export function trainerServiceBinding(deps: TrainerDeps): ServiceBinding {
  return {
    name: TRAINER_SERVICE_NAME,
    definition: trainer.TrainerServiceService,
    implementation: toGrpcImplementation(trainer.TrainerServiceService, createTrainerHandlers(deps), deps.logger),
    methodScopes: TRAINER_METHOD_SCOPES,
  };
}
