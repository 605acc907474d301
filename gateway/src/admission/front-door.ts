import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errors } from '@l1g1/kit';
import type { GatewayConfig } from '../config';
import { circuitOpenError, type Upstream, type UpstreamName } from '../upstreams';
import { createEventLoopMonitor } from './event-loop-monitor';
import { createSlotPool, type SlotPool } from './slot-pool';

/** The bounds the front door keeps, for metrics. */
export interface FrontDoorPools {
  requests: SlotPool;
  largeBodies: SlotPool;
  sseStreams: SlotPool;
}

export type FrontDoorConfig = Pick<
  GatewayConfig,
  | 'maxRequestsInFlight'
  | 'maxLargeBodies'
  | 'largeBodyBytes'
  | 'maxSseStreams'
  | 'maxEventLoopDelayMs'
  | 'maxEventLoopUtilization'
  | 'eventLoopSampleMs'
  | 'breakerResetMs'
>;

/** Retry hint of a refusal for load: long enough for the backlog to clear, short enough to matter. */
const RETRY_AFTER_MS = 1000;

/** A request that will send a body this big or bigger (chunked = unknown = big). */
function hasLargeBody(req: FastifyRequest, largeBodyBytes: number): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return false;
  const length = req.headers['content-length'];
  if (length !== undefined) return Number(length) > largeBodyBytes;
  return req.headers['transfer-encoding'] !== undefined;
}

/**
 * Admission at the front door, decided in `onRequest` from the gateway's
 * own load, before the body is read or parsed (fastify parses bodies after
 * `onRequest`/`preParsing`), so refusing costs the same whatever the body:
 *
 * 1. event-loop delay / utilization over the limit two samples in a row -> 503;
 * 2. the route's upstream breaker open -> 503 (no body parsed to fail fast);
 * 3. requests in flight, large bodies being received, SSE streams -> 429.
 *
 * Refusals are errors thrown into the route's own error handler, so they
 * carry the route's error shape (`/v1` object, OIP string) and Retry-After.
 * The unread body is drained by Node after the answer, keeping the
 * connection usable (no reset). Slots are released when the response
 * closes, whether it finished or the client went away.
 */
export function registerFrontDoor(app: FastifyInstance, config: FrontDoorConfig, guard: Record<UpstreamName, Upstream>): FrontDoorPools {
  const pools: FrontDoorPools = {
    requests: createSlotPool(config.maxRequestsInFlight),
    largeBodies: createSlotPool(config.maxLargeBodies),
    sseStreams: createSlotPool(config.maxSseStreams),
  };

  const eventLoop = createEventLoopMonitor({
    maxDelayMs: config.maxEventLoopDelayMs,
    maxUtilization: config.maxEventLoopUtilization,
    sampleMs: config.eventLoopSampleMs,
  });
  app.addHook('onClose', (_app, done) => {
    eventLoop.stop();
    done();
  });

  app.addHook('onRequest', (req, reply, done) => {
    const { lane, upstream } = req.routeOptions.config;
    if (lane === 'exempt') return done();
    if (eventLoop.saturation()) {
      return done(errors.unavailable('the gateway is saturated; retry shortly', { reason: 'GATEWAY_SATURATED', retryAfterMs: RETRY_AFTER_MS }));
    }
    if (upstream !== undefined && guard[upstream].breaker.opened) return done(circuitOpenError(upstream, config.breakerResetMs));

    const stream = lane === 'stream';
    const release = (stream ? pools.sseStreams : pools.requests).tryAcquire();
    if (!release) {
      return done(
        stream
          ? errors.resourceExhausted(`the gateway already serves ${config.maxSseStreams} event streams; retry shortly`, RETRY_AFTER_MS, { reason: 'TOO_MANY_STREAMS' })
          : errors.resourceExhausted(`the gateway already has ${config.maxRequestsInFlight} requests in flight; retry shortly`, RETRY_AFTER_MS, { reason: 'GATEWAY_OVERLOADED' }),
      );
    }
    let releaseBody: (() => void) | undefined;
    if (hasLargeBody(req, config.largeBodyBytes)) {
      releaseBody = pools.largeBodies.tryAcquire();
      if (!releaseBody) {
        release();
        return done(
          errors.resourceExhausted(`the gateway is already receiving ${config.maxLargeBodies} large bodies; retry shortly`, RETRY_AFTER_MS, { reason: 'TOO_MANY_LARGE_BODIES' }),
        );
      }
    }
    reply.raw.once('close', () => {
      release();
      releaseBody?.();
    });
    done();
  });
  return pools;
}
