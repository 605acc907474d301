// Telemetry first: it patches grpc-js and http as they load.
import { startTelemetry } from '@l1g1/kit/dist/telemetry';

const telemetry = startTelemetry({ serviceName: 'inference' });

async function main(): Promise<void> {
  const { createLogger, onShutdownSignal } = await import('@l1g1/kit');
  const { loadInferenceConfig, startInference } = await import('./index');
  const logger = createLogger('inference');
  const config = loadInferenceConfig();
  const running = await startInference(config, { logger });
  onShutdownSignal(running, logger, [() => telemetry.shutdown()]);
}

main().catch((err: unknown) => {
  console.error('inference failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
