import type { Logger } from '@l1g1/kit';
import { buildGateway } from './app';
import type { GatewayConfig } from './config';
import { createUpstreams } from './upstreams';

export { buildGateway } from './app';
export { loadGatewayConfig, type GatewayConfig } from './config';
export { createUpstreams } from './upstreams';

export interface RunningGateway {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startGateway(config: Readonly<GatewayConfig>, deps: { logger: Logger }): Promise<RunningGateway> {
  const upstreams = createUpstreams(config);
  const app = buildGateway({ config, upstreams, logger: deps.logger });
  await app.listen({ host: config.host, port: config.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  deps.logger.info({ url }, 'gateway listening');
  return {
    url,
    port,
    async stop() {
      await app.close();
      upstreams.close();
    },
  };
}
