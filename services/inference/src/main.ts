/**
 * Composition root of the inference process, in the one order every service
 * follows: config -> telemetry -> deps and server (`start`) -> signals.
 * Config loads nothing but the kit's env helpers, so a bad value exits before
 * anything starts; telemetry starts before anything requires grpc-js or http
 * (it patches them as they load), so the rest is imported after it.
 */
import { ConfigError } from '@l1g1/kit/dist/config';
import { startTelemetry } from '@l1g1/kit/dist/telemetry';
import { loadInferenceConfig, type InferenceConfig } from './config';

async function main(): Promise<void> {
  let config: Readonly<InferenceConfig>;
  try {
    config = loadInferenceConfig(process.env);
  } catch (err: unknown) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`inference: ${err.message}`);
    process.exit(2);
  }
  const telemetry = startTelemetry({ serviceName: 'inference' });
  const { createLogger, onShutdownSignal } = await import('@l1g1/kit');
  const { startInference } = await import('./start');
  const logger = createLogger('inference');
  const running = await startInference(config, { logger });
  onShutdownSignal(running, logger, [() => telemetry.shutdown()]);
}

main().catch((err: unknown) => {
  console.error('inference failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
