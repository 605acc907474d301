/**
 * Composition root of the ingestion process, in the one order every service
 * follows: config → telemetry → deps → server → signals.
 *
 * Config is parsed first (it loads nothing but the kit's env helpers) so a
 * bad value exits before anything starts. Telemetry starts before anything
 * requires grpc-js or http, so `./index` is imported only afterwards.
 */
import { ConfigError } from '@l1g1/kit/dist/config';
import { startTelemetry } from '@l1g1/kit/dist/telemetry';
import { loadIngestionConfig, type IngestionConfig } from './config';

async function main(): Promise<void> {
  let config: IngestionConfig;
  try {
    config = loadIngestionConfig(process.env);
  } catch (err: unknown) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`ingestion: ${err.message}`);
    process.exit(2);
  }
  const telemetry = startTelemetry({ serviceName: 'ingestion' });
  const { createLogger, onShutdownSignal } = await import('@l1g1/kit');
  const { startIngestion } = await import('./start-ingestion');
  const logger = createLogger('ingestion');
  const service = await startIngestion(config, { logger });
  logger.info(
    {
      address: service.address,
      maxUploadBytes: config.maxUploadBytes,
      maxConcurrentUploads: config.maxConcurrentUploads,
      blobStore: service.blobStore,
      database: config.databaseUrl ? 'postgresql' : 'sqlite',
    },
    `ingestion listening on ${service.address}`,
  );
  onShutdownSignal({ stop: () => service.close() }, logger, [() => telemetry.shutdown()]);
}

main().catch((err: unknown) => {
  console.error('ingestion failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
