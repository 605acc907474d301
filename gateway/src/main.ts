// Telemetry first: it patches http and grpc-js as they load.
import { startTelemetry } from '@l1g1/kit/dist/telemetry';

const telemetry = startTelemetry({ serviceName: 'gateway' });

async function main(): Promise<void> {
  const { createLogger, onShutdownSignal } = await import('@l1g1/kit');
  const { loadGatewayConfig, startGateway } = await import('./index');
  const logger = createLogger('gateway');
  const running = await startGateway(loadGatewayConfig(), { logger });
  onShutdownSignal(running, logger, [() => telemetry.shutdown()]);
}

main().catch((err: unknown) => {
  console.error('gateway failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
