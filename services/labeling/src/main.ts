/**
 * Composition root of the labeling process, in the one order every service
 * follows: config → telemetry → deps → server → signals. Telemetry starts
 * before anything requires grpc-js, so `./start-labeling` loads afterwards.
 */
import { ConfigError } from '@l1g1/kit/dist/config';
import { startTelemetry } from '@l1g1/kit/dist/telemetry';
import { loadLabelingConfig, type LabelingConfig } from './config';

async function main(): Promise<void> {
  let config: LabelingConfig;
  try {
    config = loadLabelingConfig(process.env);
  } catch (err: unknown) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`labeling: ${err.message}`);
    process.exit(2);
  }
  const telemetry = startTelemetry({ serviceName: 'labeling' });
  const { createLogger, onShutdownSignal } = await import('@l1g1/kit');
  const { startLabeling } = await import('./start-labeling');
  const logger = createLogger('labeling');
  const service = await startLabeling(config, { logger });
  logger.info({ address: service.address, database: config.databaseUrl ? 'postgresql' : 'sqlite' }, `labeling listening on ${service.address}`);
  onShutdownSignal({ stop: () => service.close() }, logger, [() => telemetry.shutdown()]);
}

main().catch((err: unknown) => {
  console.error('labeling failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
