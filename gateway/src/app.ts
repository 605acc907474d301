import Fastify, { type FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Logger } from '@l1g1/kit';
import type { GatewayConfig } from './config';
import { errorHandler } from './http-errors';
import { buildOpenApi } from './openapi';
import { registerInferenceRoutes } from './routes/inference-routes';
import { registerRegistryRoutes } from './routes/registry-routes';
import { registerRepositoryRoutes } from './routes/repository-routes';
import { registerSseRoutes } from './routes/sse-routes';
import type { Upstreams } from './upstreams';

export interface GatewayDeps {
  config: GatewayConfig;
  upstreams: Upstreams;
  logger: Logger;
  /** Called for every route registered (tests check the OpenAPI document against it). */
  onRoute?: (method: string, url: string) => void;
}

/** Builds the gateway app; only `startGateway` (or a test) makes it listen. */
export function buildGateway({ config, upstreams, logger, onRoute }: GatewayDeps): FastifyInstance {
  const app = Fastify({
    // Our pino logger records errors; per-request logs are metrics' job.
    logger: false,
    bodyLimit: config.maxBodyBytes,
    // Keep-alive sockets are reused by load generators and SDKs.
    keepAliveTimeout: 65_000,
    return503OnClosing: true,
  });
  if (onRoute) {
    app.addHook('onRoute', (r) => {
      for (const m of [r.method].flat()) if (m !== 'HEAD') onRoute(m, r.url);
    });
  }

  // Raw bodies (artifact uploads, OIP binary tensors) arrive as streams:
  // handlers forward or bound them themselves instead of buffering here.
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));
  app.setErrorHandler(errorHandler(logger));
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: { code: 'NOT_FOUND', reason: 'ROUTE_NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` } }),
  );

  // --- metrics -------------------------------------------------------------
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  const requests = new Counter({
    name: 'l1g1_gateway_http_requests_total',
    help: 'HTTP requests by route, method and status',
    labelNames: ['route', 'method', 'status'],
    registers: [metrics],
  });
  const latency = new Histogram({
    name: 'l1g1_gateway_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['route', 'method'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [metrics],
  });
  new Gauge({
    name: 'l1g1_gateway_breaker_open',
    help: '1 while the circuit breaker of an upstream is open',
    labelNames: ['upstream'],
    registers: [metrics],
    collect() {
      for (const u of Object.values(upstreams.guard)) this.set({ upstream: u.name }, u.breaker.opened ? 1 : 0);
    },
  });
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? 'unmatched';
    requests.inc({ route, method: req.method, status: String(reply.statusCode) });
    latency.observe({ route, method: req.method }, reply.elapsedTime / 1000);
    done();
  });

  // --- system routes -------------------------------------------------------
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const breakers = Object.fromEntries(Object.values(upstreams.guard).map((u) => [u.name, u.breaker.opened ? 'open' : u.breaker.halfOpen ? 'half-open' : 'closed']));
    const ready = Object.values(breakers).every((s) => s !== 'open');
    return reply.code(ready ? 200 : 503).send({ ready, breakers });
  });
  app.get('/metrics', async (_req, reply) => reply.type(metrics.contentType).send(await metrics.metrics()));
  app.get('/openapi.json', async () => buildOpenApi());

  registerRegistryRoutes(app, upstreams, config);
  registerSseRoutes(app, upstreams, config);
  registerInferenceRoutes(app, upstreams, config, logger);
  registerRepositoryRoutes(app, upstreams, config, logger);
  return app;
}
