import { inference, oip } from '@l1g1/contracts';
import { startGrpcServer, toGrpcImplementation, type RunningGrpcServer } from '@l1g1/kit';
import type { InferenceDeps } from './deps';
import { createInferenceHandlers } from './handlers/inference-handlers';
import { createOipHandlers } from './handlers/oip-handlers';
import { createRepositoryHandlers } from './handlers/repository-handlers';
import { INFERENCE_METHOD_SCOPES, OIP_METHOD_SCOPES } from './method-scopes';

/**
 * Binds the handlers to the generated service definitions and serves them
 * (with health and reflection for exactly these services) on `address`.
 */
export function startInferenceServer(address: string, deps: InferenceDeps, isReady: () => boolean): Promise<RunningGrpcServer> {
  const { models, variants, featurizer, logger } = deps;
  return startGrpcServer(address, {
    logger,
    auth: deps.auth,
    tls: deps.tls,
    services: [
      {
        name: 'l1g1.inference.v1.InferenceService',
        definition: inference.InferenceServiceService,
        implementation: toGrpcImplementation(
          inference.InferenceServiceService,
          { ...createInferenceHandlers(models, variants, featurizer), ...createRepositoryHandlers(models) },
          logger,
        ),
        methodScopes: INFERENCE_METHOD_SCOPES,
      },
      {
        name: 'inference.GRPCInferenceService',
        definition: oip.GRPCInferenceServiceService,
        implementation: toGrpcImplementation(oip.GRPCInferenceServiceService, createOipHandlers(models, variants, featurizer, isReady), logger),
        methodScopes: OIP_METHOD_SCOPES,
      },
    ],
  });
}
