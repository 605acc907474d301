import Fastify, { type FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Logger } from '@l1g1/kit';
import { registerFrontDoor } from './admission/front-door';
import { routePolicyHook } from './admission/route-policy';
import { installAuth } from './auth/auth-plugin';
import type { GatewayAuth } from './auth/gateway-auth';
import { clientErrorHandler } from './client-error-handler';
import type { GatewayConfig } from './config';
import { errorHandler, frameworkErrorHandler, notFoundHandler } from './http-errors';
import { registerJsonParsers } from './json-body';
import { buildOpenApi } from './openapi';
import { registerEvaluatorRoutes } from './routes/evaluator-routes';
import { registerInferenceRoutes } from './routes/inference-routes';
import { registerIngestionRoutes } from './routes/ingestion-routes';
import { registerKeyRoutes } from './routes/key-routes';
import { registerLabelPage } from './routes/label-page';
import { registerLabelingRoutes } from './routes/labeling-routes';
import { registerLabelingMlRoutes } from './routes/labeling-ml-routes';
import { registerRegistryRoutes } from './routes/registry-routes';
import { registerRepositoryRoutes } from './routes/repository-routes';
import { registerSseRoutes } from './routes/sse-routes';
import { registerTrainerRoutes } from './routes/trainer-routes';
import type { Upstreams } from './upstreams';

/** Longest path parameter: model name (128) + '@' + alias (64), with headroom. */
const MAX_PATH_PARAM_CHARS = 256;

export interface GatewayDeps {
  config: GatewayConfig;
  upstreams: Upstreams;
  logger: Logger;
  /** API keys, scopes and rate limits (see auth/auth-plugin.ts). */
  auth: GatewayAuth;
  /** Called for every route registered (tests check the OpenAPI document against it). */
  onRoute?: (method: string, url: string) => void;
}

/** Builds the gateway app; only `startGateway` (or a test) makes it listen. */
export function buildGateway({ config, upstreams, logger, auth, onRoute }: GatewayDeps): FastifyInstance {
  const app = Fastify({
    // Our pino logger records errors; per-request logs are metrics' job.
    logger: false,
    bodyLimit: config.maxBodyBytes,
    // Longer than the idle timeout of common load balancers (60 s), so that
    // they, not we, close idle keep-alive connections (no race on reuse).
    keepAliveTimeout: config.keepAliveTimeoutMs,
    // Receiving one request (headers and body) is bounded too: the longest
    // legitimate one is an artifact upload.
    requestTimeout: config.uploadTimeoutMs,
    return503OnClosing: true,
    // Path parameters hold `name@alias`: a 128-character model name, '@', a
    // 64-character alias; fastify's default (100) made valid names unreachable.
    routerOptions: { maxParamLength: MAX_PATH_PARAM_CHARS },
    // Bad percent-encoding and over-long segments answered in our shapes.
    frameworkErrors: frameworkErrorHandler(logger),
    // Requests Node's parser refuses, answered in our dialect too.
    clientErrorHandler,
  });
  // Slow-loris bound; and a last-resort cap on sockets (beyond it Node
  // closes new ones at once: admission answers 429 long before that).
  app.server.headersTimeout = Math.min(config.headersTimeoutMs, config.uploadTimeoutMs);
  app.server.maxConnections = config.maxConnections;

  // Every route gets an upstream, an admission lane and a deadline class
  // (routes/* may set their own in `config`), then the front door decides
  // admission from them before any body is read.
  app.addHook('onRoute', routePolicyHook(config));
  const pools = registerFrontDoor(app, config, upstreams.guard);
  if (onRoute) {
    app.addHook('onRoute', (r) => {
      for (const m of [r.method].flat()) if (m !== 'HEAD') onRoute(m, r.url);
    });
  }

  // Raw bodies (artifact uploads, OIP binary tensors) arrive as streams:
  // handlers forward or bound them themselves instead of buffering here.
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));
  registerJsonParsers(app, { bodyLimit: config.maxBodyBytes, rejectPrototypeKeys: true });
  app.setErrorHandler(errorHandler(logger));
  // Before any route: every route gets its auth requirement from its options
  // (after the front door's admission hook, which is cheaper).
  installAuth(app, auth);
  app.setNotFoundHandler(notFoundHandler(logger));

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
  new Gauge({
    name: 'l1g1_gateway_in_flight',
    help: 'What the front door is holding: requests, large bodies being received, SSE streams',
    labelNames: ['kind'],
    registers: [metrics],
    collect() {
      this.set({ kind: 'requests' }, pools.requests.inUse);
      this.set({ kind: 'large_bodies' }, pools.largeBodies.inUse);
      this.set({ kind: 'sse_streams' }, pools.sseStreams.inUse);
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

  registerKeyRoutes(app, auth);
  registerRegistryRoutes(app, upstreams, config);
  registerSseRoutes(app, upstreams, config);
  registerInferenceRoutes(app, upstreams, config);
  registerRepositoryRoutes(app, upstreams, config);
  registerIngestionRoutes(app, upstreams, config);
  registerTrainerRoutes(app, upstreams, config);
  registerLabelingRoutes(app, upstreams, config);
  registerLabelingMlRoutes(app, upstreams);
  registerLabelPage(app);
  registerEvaluatorRoutes(app, upstreams, config);
  return app;
}
