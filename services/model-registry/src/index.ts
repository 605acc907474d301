/**
 * The model registry service: logical models, immutable numbered versions
 * with content-addressed artifacts, moveable aliases with an audit log.
 *
 * `startModelRegistry` composes the deps (store, blobs, event feed, ONNX
 * inspector, domain) and the server; `main.ts` wraps it with config,
 * telemetry and signals, and tests and the launcher call it directly.
 */
import { createKeyVerifier, createTokenBuckets, loadInternalSecret, openKeyStore, startGrpcServer, type Logger } from '@l1g1/kit';
import { createOnnxInspector } from './adapters/onnx-inspector';
import { openRegistryBlobStore } from './adapters/open-blob-store';
import { openRegistryMetadata } from './adapters/registry-store-open';
import type { RegistryConfig } from './config';
import { createRegistry } from './domain/registry';
import { registryServiceBinding } from './server';

export { loadRegistryConfig, type RegistryConfig } from './config';
export { REGISTRY_SERVICE_NAME } from './server';

/** Options of {@link startModelRegistry}. */
export interface StartModelRegistryOptions {
  logger: Logger;
}

/** A running registry. */
export interface RunningModelRegistry {
  /** `host:port` clients dial (the bound port when the config asked for 0). */
  readonly address: string;
  readonly port: number;
  /** Where artifacts live: `files`, or the L1G1_BLOB_URL (no endpoint, no credentials). */
  readonly blobStore: string;
  /**
   * Graceful stop: refuses new calls, ends open WatchAliases streams, lets
   * in-flight calls finish (up to the configured grace), then closes the
   * database. Safe to call more than once.
   */
  stop(): Promise<void>;
}

/**
 * Opens the registry's storage (metadata in PostgreSQL when `config.databaseUrl`
 * is set, else SQLite under `config.registryDir`; artifacts in files or an S3
 * bucket as `config.blobs` says) and serves it over gRPC.
 */
export async function startModelRegistry(
  config: RegistryConfig,
  options: StartModelRegistryOptions,
): Promise<RunningModelRegistry> {
  const { logger } = options;
  // Opened first: an unreachable bucket stops startup before anything else is open.
  const blobs = await openRegistryBlobStore(config.blobs, { logger });
  let metadata: Awaited<ReturnType<typeof openRegistryMetadata>>;
  try {
    metadata = await openRegistryMetadata({ databaseUrl: config.databaseUrl, databasePath: config.databasePath, logger });
  } catch (err: unknown) {
    blobs.close();
    throw err;
  }
  const { store, feed, closeFeed } = metadata;
  const reg = createRegistry({
    store,
    blobs: blobs.store,
    feed,
    inspector: createOnnxInspector({ timeoutMs: config.validateTimeoutMs, logger }),
    maxArtifactBytes: config.maxArtifactBytes,
    maxConcurrentUploads: config.maxConcurrentUploads,
    logger,
  });
  let keys: Awaited<ReturnType<typeof openKeyStore>>;
  try {
    keys = await openKeyStore(config.auth);
  } catch (err: unknown) {
    await reg.close();
    await closeFeed();
    blobs.close();
    throw err;
  }
  const auth = {
    verifier: createKeyVerifier({ store: keys, cacheTtlMs: config.auth.cacheTtlMs }),
    internalSecret: loadInternalSecret(config.auth.internalSecret, config.auth.dataDir),
    allowAnonymous: config.auth.allowAnonymous,
    rateLimit: { buckets: createTokenBuckets(), defaultKeyQps: config.auth.defaultKeyQps },
  };
  let server: Awaited<ReturnType<typeof startGrpcServer>>;
  try {
    server = await startGrpcServer(config.address, { logger, services: [registryServiceBinding(reg, logger)], auth, tls: config.tls });
  } catch (err: unknown) {
    await keys.close();
    await reg.close();
    await closeFeed();
    blobs.close();
    throw err;
  }
  let stopping: Promise<void> | undefined;
  return {
    address: server.address,
    port: server.port,
    blobStore: blobs.describe,
    stop() {
      stopping ??= (async () => {
        // Stop accepting first, then end the watches so the drain can complete.
        const drained = server.shutdown(config.shutdownGraceMs);
        const closed = reg.close();
        await drained;
        await closed;
        await closeFeed();
        await keys.close();
        blobs.close();
      })();
      return stopping;
    },
  };
}
