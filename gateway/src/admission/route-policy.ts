import type { FastifyRequest, RouteOptions } from 'fastify';
import type { GatewayConfig } from '../config';
import type { UpstreamName } from '../upstreams';

/**
 * How the front door treats a route:
 * - `request`: counted in the gateway's requests in flight;
 * - `stream`: a long-lived answer (SSE), counted in its own bound instead;
 * - `exempt`: probes and metrics, never shed (a liveness probe refused under
 *   load would get a busy process restarted, making the overload worse).
 */
export type AdmissionLane = 'request' | 'stream' | 'exempt';

/** Which deadline an upstream call of the route gets. */
export type DeadlineClass = 'predict' | 'transfer' | 'metadata';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The upstream whose open breaker answers 503 before the body is read. */
    upstream?: UpstreamName;
    lane?: AdmissionLane;
    deadline?: DeadlineClass;
    /** Deadline of the route's upstream calls (ms); set from `deadline` unless given. */
    deadlineMs?: number;
  }
}

const EXEMPT = new Set(['/healthz', '/readyz', '/metrics', '/openapi.json', '/v2/health/live']);

/** The policy of a route from its method and URL; what a route sets itself wins. */
export function defaultRoutePolicy(method: string, url: string): { upstream?: UpstreamName; lane: AdmissionLane; deadline: DeadlineClass } {
  if (EXEMPT.has(url)) return { lane: 'exempt', deadline: 'metadata' };
  if (url.startsWith('/v1/events/')) return { upstream: 'registry', lane: 'stream', deadline: 'metadata' };
  if (url.includes(':predict') || /^\/v2\/models\/.+\/infer$/.test(url)) return { upstream: 'inference', lane: 'request', deadline: 'predict' };
  // Readiness answers `ready: false` itself when inference is down.
  if (url === '/v2/health/ready') return { lane: 'request', deadline: 'metadata' };
  // Loading a model (OIP repository extension) downloads and opens an artifact.
  if (/^\/v2\/repository\/models\/.+\/load$/.test(url)) return { upstream: 'inference', lane: 'request', deadline: 'transfer' };
  if (url === '/v2' || url.startsWith('/v2/')) return { upstream: 'inference', lane: 'request', deadline: 'metadata' };
  if (url === '/v1/models' || url.startsWith('/v1/models/')) {
    const transfer = url.endsWith('/artifact') || (method === 'POST' && url.endsWith('/versions')) || url.includes('/variants/');
    return { upstream: 'registry', lane: 'request', deadline: transfer ? 'transfer' : 'metadata' };
  }
  if (url === '/v1/datasets' || url.startsWith('/v1/datasets/') || url.startsWith('/v1/ingestion/')) {
    // Job progress is a long-lived SSE answer, counted with the other streams.
    if (url.endsWith('/events')) return { upstream: 'ingestion', lane: 'stream', deadline: 'metadata' };
    // Uploads and record reads move whole files; a derive (POST .../snapshots),
    // a diff and DP statistics read whole snapshots and wait for the job that
    // does it: the transfer deadline. With the short one a derive of 10k
    // records answered 503 while its snapshot was still being published.
    const transfer =
      (method === 'POST' && (url.endsWith('/uploads') || url.endsWith('/snapshots') || url.endsWith('/dp-statistics'))) ||
      url.endsWith('/records') ||
      url.endsWith('/download') ||
      url.endsWith('/diff');
    return { upstream: 'ingestion', lane: 'request', deadline: transfer ? 'transfer' : 'metadata' };
  }
  if (url === '/v1/training/jobs' || url.startsWith('/v1/training/')) {
    // A job's events are a long-lived SSE answer, counted with the other streams.
    if (url.endsWith('/events')) return { upstream: 'trainer', lane: 'stream', deadline: 'metadata' };
    // An export converts a checkpoint to ONNX (and may upload it to the registry): the transfer deadline.
    return { upstream: 'trainer', lane: 'request', deadline: url.endsWith(':export') ? 'transfer' : 'metadata' };
  }
  if (url === '/v1/labeling' || url.startsWith('/v1/labeling/')) {
    // A project's live progress is a long-lived SSE answer, counted with the other streams.
    if (url.endsWith('/events')) return { upstream: 'labeling', lane: 'stream', deadline: 'metadata' };
    // Exports stream a whole project and imports may read a whole snapshot or upload a whole export file: the transfer deadline.
    const transfer = url.endsWith('/export') || url.endsWith(':import-annotations') || (method === 'POST' && url.endsWith('/tasks'));
    return { upstream: 'labeling', lane: 'request', deadline: transfer ? 'transfer' : 'metadata' };
  }
  if (EVALUATOR_PREFIXES.some((x) => url === x || url.startsWith(`${x}/`))) {
    // A benchmark answers as SSE while it runs: a long-lived stream.
    if (url === '/v1/benchmarks') return { upstream: 'evaluator', lane: 'stream', deadline: 'metadata' };
    // Comparisons and a gate decided without a run evaluate whole snapshots
    // before answering: the transfer deadline.
    const long = url === '/v1/comparisons' || url.endsWith(':evaluate');
    return { upstream: 'evaluator', lane: 'request', deadline: long ? 'transfer' : 'metadata' };
  }
  return { lane: 'request', deadline: 'metadata' };
}

const EVALUATOR_PREFIXES = ['/v1/evaluations', '/v1/benchmarks', '/v1/comparisons', '/v1/gates'];

type Deadlines = Pick<GatewayConfig, 'predictTimeoutMs' | 'uploadTimeoutMs' | 'upstreamTimeoutMs'>;

function deadlineMsOfClass(c: DeadlineClass, config: Deadlines): number {
  if (c === 'predict') return config.predictTimeoutMs;
  if (c === 'transfer') return config.uploadTimeoutMs;
  return config.upstreamTimeoutMs;
}

/**
 * An `onRoute` hook filling in each route's policy where the route did not
 * set it, so that routes declared anywhere (and later issues' routes) get
 * an upstream, a lane and a deadline without code in their handlers.
 */
export function routePolicyHook(config: Deadlines): (route: RouteOptions) => void {
  return (route) => {
    const method = [route.method].flat()[0] ?? 'GET';
    const policy = defaultRoutePolicy(method, route.url);
    const own = (route.config ?? {}) as NonNullable<RouteOptions['config']>;
    const deadline = own.deadline ?? policy.deadline;
    route.config = {
      ...own,
      ...(own.upstream === undefined && policy.upstream !== undefined ? { upstream: policy.upstream } : {}),
      lane: own.lane ?? policy.lane,
      deadline,
      deadlineMs: own.deadlineMs ?? deadlineMsOfClass(deadline, config),
    };
  };
}

/** The deadline (ms) for an upstream call made while serving `req` (its route's). */
export function deadlineMsFor(req: FastifyRequest): number | undefined {
  return req.routeOptions.config.deadlineMs;
}
