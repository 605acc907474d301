import { inference, oip } from '@l1g1/contracts';
import {
  createKeyVerifier,
  createSqliteKeyStore,
  createTokenBuckets,
  loadInternalSecret,
  servicePrincipal,
  startGrpcServer,
  startMetricsServer,
  toGrpcImplementation,
  type Logger,
  type RunningMetricsServer,
} from '@l1g1/kit';
import { createInferenceMetrics } from './adapters/metrics';
import { createRegistryAdapter } from './adapters/registry-client';
import type { InferenceConfig } from './config';
import { ModelManager } from './domain/model-manager';
import { createOrtRunner } from './adapters/ort-runner';
import { createInferenceHandlers } from './handlers/inference-handlers';
import { createOipHandlers } from './handlers/oip-handlers';
import { INFERENCE_METHOD_SCOPES, OIP_METHOD_SCOPES } from './method-scopes';

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
  const internalSecret = loadInternalSecret(config.auth.internalSecret, config.auth.dataDir);
  // Inference reads the registry as itself, not as whoever asked for a prediction.
  const registry = createRegistryAdapter(config.registryAddress, config.cacheDir, deps.logger, {
    identity: { principal: servicePrincipal('inference', ['read']), internalSecret },
    tls: config.tls,
  });
  const keys = createSqliteKeyStore(config.auth.keyDbPath);
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
    auth: {
      verifier: createKeyVerifier({ store: keys, cacheTtlMs: config.auth.cacheTtlMs }),
      internalSecret,
      allowAnonymous: config.auth.allowAnonymous,
      rateLimit: { buckets: createTokenBuckets(), defaultKeyQps: config.auth.defaultKeyQps },
    },
    tls: config.tls,
    services: [
      {
        name: 'l1g1.inference.v1.InferenceService',
        definition: inference.InferenceServiceService,
        implementation: toGrpcImplementation(inference.InferenceServiceService, createInferenceHandlers(models), deps.logger),
        methodScopes: INFERENCE_METHOD_SCOPES,
      },
      {
        name: 'inference.GRPCInferenceService',
        definition: oip.GRPCInferenceServiceService,
        implementation: toGrpcImplementation(oip.GRPCInferenceServiceService, createOipHandlers(models, () => ready), deps.logger),
        methodScopes: OIP_METHOD_SCOPES,
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
      keys.close();
    },
  };
}
