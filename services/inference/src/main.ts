/**
 * The inference process: telemetry -> config -> deps and server -> signals.
 * Telemetry loads first, before anything requires grpc-js or http (it
 * patches them as they load); the rest is imported after it.
 */
import { startTelemetry } from '@l1g1/kit/dist/telemetry';

const telemetry = startTelemetry({ serviceName: 'inference' });

async function main(): Promise<void> {
  const { createLogger, onShutdownSignal } = await import('@l1g1/kit');
  const { loadInferenceConfig } = await import('./config');
  const { startInference } = await import('./start');
  const logger = createLogger('inference');
  const config = loadInferenceConfig();
  const running = await startInference(config, { logger });
  onShutdownSignal(running, logger, [() => telemetry.shutdown()]);
}

main().catch((err: unknown) => {
  console.error('inference failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
