/** Binds the evaluator handlers to the generated EvaluatorService definition. */
import { evaluator } from '@l1g1/contracts';
import { toGrpcImplementation, type ServiceBinding } from '@l1g1/kit';
import type { EvaluatorDeps } from './deps';
import { createEvaluatorHandlers } from './handlers';
import { EVALUATOR_METHOD_SCOPES } from './method-scopes';

/** Fully qualified gRPC service name (also its grpc.health.v1 entry). */
export const EVALUATOR_SERVICE_NAME = 'l1g1.evaluator.v1.EvaluatorService';

/** The service binding for kit's `startGrpcServer`: handlers wrapped with the error catalogue. */
export function evaluatorServiceBinding(deps: EvaluatorDeps): ServiceBinding {
  return {
    name: EVALUATOR_SERVICE_NAME,
    definition: evaluator.EvaluatorServiceService,
    implementation: toGrpcImplementation(evaluator.EvaluatorServiceService, createEvaluatorHandlers(deps), deps.logger),
    methodScopes: EVALUATOR_METHOD_SCOPES,
  };
}
