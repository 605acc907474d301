export { buildGateway, type GatewayDeps } from './app';
export { loadGatewayConfig, type GatewayConfig } from './config';
export { startGateway, type GatewayServerDeps, type RunningGateway } from './server';
export { createUpstreams, type Upstreams } from './upstreams';
export { createGatewayAuth, type GatewayAuth } from './auth/gateway-auth';
