import { inference, oip } from '@l1g1/contracts';
import { startGrpcServer, startMetricsServer, toGrpcImplementation, type Logger, type RunningMetricsServer } from '@l1g1/kit';
import { createInferenceMetrics } from './adapters/metrics';
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
  /** Prometheus endpoint, unless disabled (L1G1_INFERENCE_METRICS_PORT=-1). */
  metricsUrl: string | undefined;
  stop(): Promise<void>;
}

/** Composition: registry adapter -> model manager -> gRPC handlers -> server. */
export async function startInference(config: Readonly<InferenceConfig>, deps: { logger: Logger }): Promise<RunningInference> {
  const registry = createRegistryAdapter(config.registryAddress, config.cacheDir, deps.logger);
  let manager: ModelManager | undefined;
  const metrics = createInferenceMetrics(() => manager);
  const models = new ModelManager({
    observer: metrics,
    registry,
    logger: deps.logger,
    createRunner: (path) => createOrtRunner(path, { workers: config.workersPerModel, intraOpNumThreads: config.intraOpThreads }),
    batcher: {
      enabled: config.batching,
      maxBatchSize: config.maxBatchSize,
      maxQueueDelayUs: config.maxQueueDelayUs,
      maxQueueSize: config.maxQueueSize,
      maxQueueWaitUs: config.maxQueueWaitUs,
    },
  });
  manager = models;
  let metricsServer: RunningMetricsServer | undefined;
  if (config.metricsPort >= 0) metricsServer = await startMetricsServer(config.metricsHost, config.metricsPort, metrics.registry);
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
  deps.logger.info({ address: server.address, metrics: metricsServer?.url }, 'inference listening');
  return {
    address: server.address,
    port: server.port,
    metricsUrl: metricsServer?.url,
    async stop() {
      ready = false;
      await server.shutdown();
      await metricsServer?.close();
      await models.close();
      registry.close();
    },
  };
}
