/**
 * The model registry service: logical models, immutable numbered versions
 * with content-addressed artifacts, moveable aliases with an audit log.
 *
 * `startModelRegistry` composes the deps (store, blobs, event feed, ONNX
 * inspector, domain) and the server; `main.ts` wraps it with config,
 * telemetry and signals, and tests and the launcher call it directly.
 */
import { createFileBlobStore, createKeyVerifier, createTokenBuckets, loadInternalSecret, openKeyStore, startGrpcServer, type Logger } from '@l1g1/kit';
import { createOnnxInspector } from './adapters/onnx-inspector';
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
  /**
   * Graceful stop: refuses new calls, ends open WatchAliases streams, lets
   * in-flight calls finish (up to the configured grace), then closes the
   * database. Safe to call more than once.
   */
  stop(): Promise<void>;
}

/**
 * Opens the registry's storage (PostgreSQL when `config.databaseUrl` is set,
 * else SQLite under `config.registryDir`) and serves it over gRPC.
 */
export async function startModelRegistry(
  config: RegistryConfig,
  options: StartModelRegistryOptions,
): Promise<RunningModelRegistry> {
  const { logger } = options;
  const { store, feed, closeFeed } = await openRegistryMetadata({ databaseUrl: config.databaseUrl, databasePath: config.databasePath, logger });
  const reg = createRegistry({
    store,
    blobs: createFileBlobStore(config.blobDir),
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
    throw err;
  }
  let stopping: Promise<void> | undefined;
  return {
    address: server.address,
    port: server.port,
    stop() {
      stopping ??= (async () => {
        // Stop accepting first, then end the watches so the drain can complete.
        const drained = server.shutdown(config.shutdownGraceMs);
        const closed = reg.close();
        await drained;
        await closed;
        await closeFeed();
        await keys.close();
      })();
      return stopping;
    },
  };
}
