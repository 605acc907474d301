/**
 * The process body, loaded by `main.ts` only after telemetry started (this
 * module pulls in grpc-js through the kit).
 */
import { ConfigError, createLogger, onShutdownSignal } from '@l1g1/kit';
import type { Telemetry } from '@l1g1/kit/dist/telemetry';
import { loadRegistryConfig, type RegistryConfig } from './config';
import { startModelRegistry } from './index';

/** Parses the config, starts the registry, and stops it on SIGTERM/SIGINT. */
export async function run(telemetry: Telemetry): Promise<void> {
  const logger = createLogger('model-registry');
  let config: RegistryConfig;
  try {
    config = loadRegistryConfig(process.env);
  } catch (err: unknown) {
    if (!(err instanceof ConfigError)) throw err;
    logger.fatal({ variable: err.variable }, err.message);
    await telemetry.shutdown();
    process.exit(2);
  }
  const service = await startModelRegistry(config, { logger });
  logger.info(
    { address: service.address, registryDir: config.registryDir, maxArtifactBytes: config.maxArtifactBytes },
    `model-registry listening on ${service.address}`,
  );
  onShutdownSignal(service, logger, [() => telemetry.shutdown()]);
}
