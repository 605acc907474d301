import type { Logger } from '@l1g1/kit';
import { buildGateway } from './app';
import { createGatewayAuth, type GatewayAuth } from './auth/gateway-auth';
import type { GatewayConfig } from './config';
import { createUpstreams, type Upstreams } from './upstreams';

export interface RunningGateway {
  url: string;
  port: number;
  /** Stops accepting, lets answers in progress finish, closes the upstream channels. */
  stop(): Promise<void>;
}

export interface GatewayServerDeps {
  logger: Logger;
  /** Built by the composition root; when absent (tests), made here and closed on stop. */
  upstreams?: Upstreams;
  /** Key store and verifier; when absent, opened here from the config and closed on stop. */
  auth?: GatewayAuth;
}

/** Builds the app from its dependencies and makes it listen: the only place that does. */
export async function startGateway(config: Readonly<GatewayConfig>, deps: GatewayServerDeps): Promise<RunningGateway> {
  const upstreams = deps.upstreams ?? createUpstreams(config);
  const auth = deps.auth ?? (await createGatewayAuth(config));
  const app = buildGateway({ config, upstreams, logger: deps.logger, auth });
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
      await auth.keys.close();
    },
  };
}
