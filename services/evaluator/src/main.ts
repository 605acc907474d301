/**
 * Composition root of the evaluator process, in the one order every service
 * follows: config → telemetry → deps → server → signals.
 *
 * Config is parsed first (it loads nothing but the kit's env helpers) so a
 * bad value exits before anything starts. Telemetry starts before anything
 * requires grpc-js, so `./start-evaluator` is imported only afterwards.
 */
import { ConfigError } from '@l1g1/kit/dist/config';
import { startTelemetry } from '@l1g1/kit/dist/telemetry';
import { loadEvaluatorConfig, type EvaluatorConfig } from './config';

async function main(): Promise<void> {
  let config: EvaluatorConfig;
  try {
    config = loadEvaluatorConfig(process.env);
  } catch (err: unknown) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`evaluator: ${err.message}`);
    process.exit(2);
  }
  const telemetry = startTelemetry({ serviceName: 'evaluator' });
  const { createLogger, onShutdownSignal } = await import('@l1g1/kit');
  const { startEvaluator } = await import('./start-evaluator');
  const logger = createLogger('evaluator');
  const service = await startEvaluator(config, { logger });
  logger.info(
    { address: service.address, concurrency: config.concurrency, database: config.databaseUrl ? 'postgresql' : 'sqlite' },
    `evaluator listening on ${service.address}`,
  );
  onShutdownSignal({ stop: () => service.close() }, logger, [() => telemetry.shutdown()]);
}

main().catch((err: unknown) => {
  console.error('evaluator failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
