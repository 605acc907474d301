import {
  createKeyVerifier,
  createTokenBuckets,
  loadInternalSecret,
  openKeyStore,
  servicePrincipal,
  type GrpcAuth,
  type GrpcTls,
  type Logger,
} from '@l1g1/kit';
import { createArtifactCache } from './adapters/artifact-cache';
import { createFeaturizerThread } from './adapters/featurizer-thread';
import { createInferenceMetrics, type InferenceMetrics } from './adapters/metrics';
import { createOrtRunner } from './adapters/ort-runner';
import { createRegistryAdapter } from './adapters/registry-client';
import type { InferenceConfig } from './config';
import { ModelManager } from './domain/model-manager';
import type { TextFeaturizer } from './domain/ports';
import { VariantPolicy } from './domain/variant-policy';

/** Everything the inference server's handlers need, built from the config. */
export interface InferenceDeps {
  models: ModelManager;
  /** Whether an fp16/int8 variant may be served (what the evaluator recorded in the registry). */
  variants: VariantPolicy;
  /** Raw text -> hashed n-gram ids for models with a `preprocess` tag, on its own thread. */
  featurizer: TextFeaturizer;
  metrics: InferenceMetrics;
  logger: Logger;
  /** How gRPC callers are authenticated (API keys, signed principals from the gateway). */
  auth: GrpcAuth;
  tls: GrpcTls | undefined;
  /** Unloads models and closes the registry channel and the key store. */
  close(): Promise<void>;
}

/**
 * The composition root's wiring: the adapters (registry client, artifact
 * cache on disk, ORT worker pools, Prometheus metrics) behind the domain's
 * ports, handed to the model manager.
 */
export async function createInferenceDeps(config: Readonly<InferenceConfig>, logger: Logger): Promise<InferenceDeps> {
  // First: opening it may fail (PostgreSQL unreachable), and nothing else is open yet.
  const keys = await openKeyStore(config.auth);
  const internalSecret = loadInternalSecret(config.auth.internalSecret, config.auth.dataDir);
  // Inference reads the registry as itself, not as whoever asked for a prediction.
  const registry = createRegistryAdapter(config.registryAddress, logger, {
    identity: { principal: servicePrincipal('inference', ['read']), internalSecret },
    tls: config.tls,
  });
  const auth: GrpcAuth = {
    verifier: createKeyVerifier({ store: keys, cacheTtlMs: config.auth.cacheTtlMs }),
    internalSecret,
    allowAnonymous: config.auth.allowAnonymous,
    rateLimit: { buckets: createTokenBuckets(), defaultKeyQps: config.auth.defaultKeyQps },
  };
  const artifacts = createArtifactCache({ dir: config.cacheDir, maxBytes: config.cacheMaxBytes, download: registry.download, logger });
  let models: ModelManager | undefined;
  const metrics = createInferenceMetrics(() => models);
  models = new ModelManager({
    source: registry,
    artifacts,
    observer: metrics,
    logger,
    createRunner: (bytes, label) =>
      createOrtRunner(bytes, { workers: config.workersPerModel, intraOpNumThreads: config.intraOpThreads, logger, label }),
    batcher: {
      enabled: config.batching,
      maxBatchSize: config.maxBatchSize,
      maxQueueDelayUs: config.maxQueueDelayUs,
      maxQueueSize: config.maxQueueSize,
      maxQueueWaitUs: config.maxQueueWaitUs,
    },
    limits: { maxLoadedBytes: config.maxLoadedBytes, idleMs: config.modelIdleMs, cacheSweepMs: config.cacheSweepMs },
  });
  const manager = models;
  const featurizer = createFeaturizerThread({ maxPending: config.maxQueueSize, logger });
  return {
    models: manager,
    featurizer,
    variants: new VariantPolicy({ source: registry, ttlMs: config.variantPolicyTtlMs }),
    metrics,
    logger,
    auth,
    tls: config.tls,
    async close() {
      await manager.close();
      await featurizer.close();
      registry.close();
      await keys.close();
    },
  };
}
