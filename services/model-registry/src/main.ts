/**
 * Composition root of the model-registry process, in the one order every
 * service follows: config → telemetry → deps → server → signals.
 *
 * Config is parsed first (it loads nothing but the kit's env helpers) so a
 * bad value exits before anything starts. Telemetry starts before anything
 * requires grpc-js or http: its instrumentations patch those modules as they
 * load, so `./index` (deps and server) is imported only afterwards.
 */
import { ConfigError } from '@l1g1/kit/dist/config';
import { startTelemetry } from '@l1g1/kit/dist/telemetry';
import { loadRegistryConfig, type RegistryConfig } from './config';

async function main(): Promise<void> {
  let config: RegistryConfig;
  try {
    config = loadRegistryConfig(process.env);
  } catch (err: unknown) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`model-registry: ${err.message}`);
    process.exit(2);
  }
  const telemetry = startTelemetry({ serviceName: 'model-registry' });
  const { createLogger, onShutdownSignal } = await import('@l1g1/kit');
  const { startModelRegistry } = await import('./index');
  const logger = createLogger('model-registry');
  const service = await startModelRegistry(config, { logger });
  logger.info(
    {
      address: service.address,
      maxArtifactBytes: config.maxArtifactBytes,
      maxConcurrentUploads: config.maxConcurrentUploads,
      blobStore: service.blobStore,
    },
    `model-registry listening on ${service.address}`,
  );
  onShutdownSignal(service, logger, [() => telemetry.shutdown()]);
}

main().catch((err: unknown) => {
  console.error('model-registry failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
