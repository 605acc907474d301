import { startMetricsServer, type Logger, type RunningMetricsServer } from '@l1g1/kit';
import type { InferenceConfig } from './config';
import { createInferenceDeps } from './deps';
import { startInferenceServer } from './server';

export interface RunningInference {
  address: string;
  port: number;
  /** Prometheus endpoint, unless disabled (L1G1_INFERENCE_METRICS_PORT=-1). */
  metricsUrl: string | undefined;
  stop(): Promise<void>;
}

/**
 * deps -> metrics endpoint -> gRPC server, as `main` runs it and as tests
 * and the launcher start it in process; `stop` drains in reverse order.
 */
export async function startInference(config: Readonly<InferenceConfig>, options: { logger: Logger }): Promise<RunningInference> {
  const deps = await createInferenceDeps(config, options.logger);
  let metricsServer: RunningMetricsServer | undefined;
  if (config.metricsPort >= 0) metricsServer = await startMetricsServer(config.metricsHost, config.metricsPort, deps.metrics.registry);
  let ready = false;
  const server = await startInferenceServer(config.address, deps, () => ready);
  ready = true;
  options.logger.info({ address: server.address, metrics: metricsServer?.url }, 'inference listening');
  return {
    address: server.address,
    port: server.port,
    metricsUrl: metricsServer?.url,
    async stop() {
      ready = false;
      await server.shutdown();
      await metricsServer?.close();
      await deps.close();
    },
  };
}
