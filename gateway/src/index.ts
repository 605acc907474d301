import { createKeyVerifier, createSqliteKeyStore, loadInternalSecret, type Logger } from '@l1g1/kit';
import type { GatewayAuth } from './auth/gateway-auth';
import { buildGateway } from './app';
import type { GatewayConfig } from './config';
import { createUpstreams } from './upstreams';

export { buildGateway } from './app';
export { loadGatewayConfig, type GatewayConfig } from './config';
export { createUpstreams } from './upstreams';
export type { GatewayAuth } from './auth/gateway-auth';

/** The auth dependencies from the config: the shared key store, a cached verifier, the internal secret. */
export function createGatewayAuth(config: Readonly<GatewayConfig>): GatewayAuth {
  const keys = createSqliteKeyStore(config.auth.keyDbPath);
  return {
    keys,
    verifier: createKeyVerifier({ store: keys, cacheTtlMs: config.auth.cacheTtlMs }),
    internalSecret: loadInternalSecret(config.auth.internalSecret, config.auth.dataDir),
    allowAnonymous: config.auth.allowAnonymous,
    defaultKeyQps: config.auth.defaultKeyQps,
    modelQps: config.modelQps,
  };
}

export interface RunningGateway {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startGateway(config: Readonly<GatewayConfig>, deps: { logger: Logger }): Promise<RunningGateway> {
  const upstreams = createUpstreams(config);
  const auth = createGatewayAuth(config);
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
      auth.keys.close();
    },
  };
}
