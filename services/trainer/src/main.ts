/**
 * Composition root of the trainer process, in the one order every service
 * follows: config → telemetry → deps → server → signals.
 *
 * Config is parsed first (it loads nothing but the kit's env helpers) so a
 * bad value exits before anything starts. Telemetry starts before anything
 * requires grpc-js or http, so `./start-trainer` is imported only afterwards.
 */
import { ConfigError } from '@l1g1/kit/dist/config';
import { startTelemetry } from '@l1g1/kit/dist/telemetry';
import { loadTrainerConfig, type TrainerConfig } from './config';

async function main(): Promise<void> {
  let config: TrainerConfig;
  try {
    config = loadTrainerConfig(process.env);
  } catch (err: unknown) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`trainer: ${err.message}`);
    process.exit(2);
  }
  const telemetry = startTelemetry({ serviceName: 'trainer' });
  const { createLogger, onShutdownSignal } = await import('@l1g1/kit');
  const { startTrainer } = await import('./start-trainer');
  const logger = createLogger('trainer');
  const service = await startTrainer(config, { logger });
  logger.info(
    {
      address: service.address,
      concurrency: config.concurrency,
      maxDatasetBytes: config.maxDatasetBytes,
      blobStore: service.blobStore,
      database: config.databaseUrl ? 'postgresql' : 'sqlite',
    },
    `trainer listening on ${service.address}`,
  );
  onShutdownSignal({ stop: () => service.close() }, logger, [() => telemetry.shutdown()]);
}

main().catch((err: unknown) => {
  console.error('trainer failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
