/**
 * Composition root of the gateway process: config -> telemetry -> deps ->
 * server -> signals. Only the config module and telemetry are imported
 * statically: telemetry patches http and grpc-js as they load, so every
 * module that loads them is imported after it has started.
 */
import { startTelemetry } from '@l1g1/kit/dist/telemetry';
import { loadGatewayConfig } from './config';

async function main(): Promise<void> {
  const config = loadGatewayConfig();
  const telemetry = startTelemetry({ serviceName: 'gateway' });
  const { createLogger, onShutdownSignal } = await import('@l1g1/kit');
  const { createUpstreams } = await import('./upstreams');
  const { startGateway } = await import('./server');
  const logger = createLogger('gateway');
  const { createGatewayAuth } = await import('./auth/gateway-auth');
  const upstreams = createUpstreams(config);
  const auth = await createGatewayAuth(config);
  const running = await startGateway(config, { logger, upstreams, auth });
  onShutdownSignal(running, logger, [() => telemetry.shutdown()]);
}

main().catch((err: unknown) => {
  console.error('gateway failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
