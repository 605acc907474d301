import { inference, oip } from '@l1g1/contracts';
import { startGrpcServer, toGrpcImplementation, type Logger } from '@l1g1/kit';
import { createRegistryAdapter } from './adapters/registry-client';
import type { InferenceConfig } from './config';
import { ModelManager } from './domain/model-manager';
import { createOrtRunner } from './adapters/ort-runner';
import { createInferenceHandlers } from './handlers/inference-handlers';
import { createOipHandlers } from './handlers/oip-handlers';

export { loadInferenceConfig, type InferenceConfig } from './config';

export interface RunningInference {
  address: string;
  port: number;
  stop(): Promise<void>;
}

/** Composition: registry adapter -> model manager -> gRPC handlers -> server. */
export async function startInference(config: Readonly<InferenceConfig>, deps: { logger: Logger }): Promise<RunningInference> {
  const registry = createRegistryAdapter(config.registryAddress, config.cacheDir, deps.logger);
  const models = new ModelManager({
    registry,
    logger: deps.logger,
    createRunner: (path) => createOrtRunner(path, { workers: config.workersPerModel, intraOpNumThreads: config.intraOpThreads }),
    batcher: {
      enabled: config.batching,
      maxBatchSize: config.maxBatchSize,
      maxQueueDelayUs: config.maxQueueDelayUs,
      maxQueueSize: config.maxQueueSize,
    },
  });
  let ready = false;
  const server = await startGrpcServer(config.address, {
    logger: deps.logger,
    services: [
      {
        name: 'l1g1.inference.v1.InferenceService',
        definition: inference.InferenceServiceService,
        implementation: toGrpcImplementation(inference.InferenceServiceService, createInferenceHandlers(models), deps.logger),
      },
      {
        name: 'inference.GRPCInferenceService',
        definition: oip.GRPCInferenceServiceService,
        implementation: toGrpcImplementation(oip.GRPCInferenceServiceService, createOipHandlers(models, () => ready), deps.logger),
      },
    ],
  });
  ready = true;
  deps.logger.info({ address: server.address }, 'inference listening');
  return {
    address: server.address,
    port: server.port,
    async stop() {
      ready = false;
      await server.shutdown();
      await models.close();
      registry.close();
    },
  };
}
