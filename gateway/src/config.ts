// The config module only: main.ts parses config before telemetry starts, and
// the kit's index would load grpc-js before its instrumentation patches it.
import { type Env, envInt, envString, envUpstream } from '@l1g1/kit/dist/config';
import { loadAuthConfig, type AuthConfig } from '@l1g1/kit/dist/auth/auth-config';
import { loadGrpcTls, type GrpcTls } from '@l1g1/kit/dist/auth/grpc-tls-config';

export interface GatewayConfig {
  host: string;
  port: number;
  registryAddress: string;
  inferenceAddress: string;
  /** The ingestion service (L1G1_INGESTION_ADDR, the same variable the service listens on). */
  ingestionAddress: string;
  /** The trainer service (L1G1_TRAINER_ADDR, the same variable the service listens on). */
  trainerAddress: string;
  /** The labeling service (L1G1_LABELING_ADDR); its REST routes come with the annotation page. */
  labelingAddress: string;
  /**
   * Largest dataset upload streamed through to ingestion; beyond it: 413.
   * Read from L1G1_INGESTION_MAX_UPLOAD_BYTES, the service's own limit, so
   * that one setting governs both ends (the service enforces it too).
   */
  maxIngestUploadBytes: number;
  /** Largest JSON body (predict / infer / metadata); beyond it: 413. */
  maxBodyBytes: number;
  /** Largest artifact upload streamed through to the registry; beyond it: 413. */
  maxUploadBytes: number;
  /** Calls in flight per upstream; beyond it requests are refused at once (429). */
  maxInflight: number;
  /**
   * HTTP requests in flight in the whole gateway, counted from the moment
   * their headers arrive (body not read yet); beyond it: 429 before the body
   * is read. SSE streams and the health/metrics routes are not counted here.
   */
  maxRequestsInFlight: number;
  /**
   * Event-loop delay (ms) that, seen on two samples in a row, makes requests
   * get 503; 0 = off. Half a second by default: lower values also fire when
   * the process is merely descheduled (a busy shared host, a CPU quota's
   * 100 ms throttling period), which is not this process's overload.
   */
  maxEventLoopDelayMs: number;
  /** Event-loop utilization (0..1) beyond which requests get 503; 0 = off. */
  maxEventLoopUtilization: number;
  /** How often the event-loop figures are sampled. */
  eventLoopSampleMs: number;
  /** A body declared larger than this (or sent chunked) is a "large body". */
  largeBodyBytes: number;
  /** Large bodies being received at once; beyond it: 429 before the body is read. */
  maxLargeBodies: number;
  /** Open SSE streams; beyond it: 429. */
  maxSseStreams: number;
  /** Open HTTP connections; beyond it Node closes new sockets at once (last resort). */
  maxConnections: number;
  /** Time allowed for a request's headers (slow-loris bound). */
  headersTimeoutMs: number;
  /** Idle time before a keep-alive connection is closed (above common load-balancer idle timeouts). */
  keepAliveTimeoutMs: number;
  /** Deadline of predict / infer calls. */
  predictTimeoutMs: number;
  /** Deadline of artifact uploads and downloads (whole transfer); also bounds receiving a request body. */
  uploadTimeoutMs: number;
  /** Deadline of every other upstream call (metadata reads and writes). */
  upstreamTimeoutMs: number;
  /** gRPC keepalive: ping interval on every upstream channel. */
  grpcKeepaliveTimeMs: number;
  /** gRPC keepalive: a ping unanswered this long marks the connection dead (its calls fail UNAVAILABLE). */
  grpcKeepaliveTimeoutMs: number;
  /** Time an open breaker waits before letting one trial call through. */
  breakerResetMs: number;
  /** Failure percentage (over the rolling window) that opens a breaker. */
  breakerErrorPercent: number;
  /** Upstream failures in a row that open a breaker whatever the percentage. */
  breakerConsecutiveFailures: number;
  /** SSE comment heartbeat interval. */
  sseHeartbeatMs: number;
  /** How often a labeling project's progress stream re-reads counts and agreement (L1G1_LABELING_PROGRESS_MS). */
  labelingProgressMs: number;
  /** Key store, anonymous access (only when `host` is loopback), internal secret. */
  auth: AuthConfig;
  /** Predict requests per second per model, all callers together (L1G1_MODEL_QPS, 0 = unlimited). */
  modelQps: number;
  /** gRPC TLS towards the services (L1G1_GRPC_TLS_*); undefined = plaintext. */
  grpcTls: GrpcTls | undefined;
}

export function loadGatewayConfig(env: Env = process.env): Readonly<GatewayConfig> {
  const host = envString(env, 'L1G1_HTTP_HOST', '127.0.0.1');
  return Object.freeze({
    host,
    port: envInt(env, 'L1G1_GATEWAY_PORT', 8080, { min: 0, max: 65535 }),
    registryAddress: envUpstream(env, 'L1G1_REGISTRY_ADDR', '127.0.0.1:50051'),
    inferenceAddress: envUpstream(env, 'L1G1_INFERENCE_ADDR', '127.0.0.1:50052'),
    ingestionAddress: envUpstream(env, 'L1G1_INGESTION_ADDR', '127.0.0.1:50053'),
    trainerAddress: envUpstream(env, 'L1G1_TRAINER_ADDR', '127.0.0.1:50054'),
    labelingAddress: envUpstream(env, 'L1G1_LABELING_ADDR', '127.0.0.1:50056'),
    maxIngestUploadBytes: envInt(env, 'L1G1_INGESTION_MAX_UPLOAD_BYTES', 4 * 1024 ** 3, { min: 1024, max: Number.MAX_SAFE_INTEGER }),
    maxBodyBytes: envInt(env, 'L1G1_MAX_BODY_BYTES', 16 * 1024 * 1024, { min: 1024 }),
    maxUploadBytes: envInt(env, 'L1G1_MAX_UPLOAD_BYTES', 512 * 1024 * 1024, { min: 1024 }),
    maxInflight: envInt(env, 'L1G1_MAX_INFLIGHT', 1024, { min: 1, max: 1_000_000 }),
    maxRequestsInFlight: envInt(env, 'L1G1_MAX_REQUESTS_IN_FLIGHT', 128, { min: 1, max: 1_000_000 }),
    maxEventLoopDelayMs: envInt(env, 'L1G1_MAX_EVENT_LOOP_DELAY_MS', 500, { min: 0, max: 60_000 }),
    maxEventLoopUtilization: envInt(env, 'L1G1_MAX_EVENT_LOOP_UTILIZATION_PCT', 0, { min: 0, max: 100 }) / 100,
    eventLoopSampleMs: envInt(env, 'L1G1_EVENT_LOOP_SAMPLE_MS', 100, { min: 10, max: 60_000 }),
    largeBodyBytes: envInt(env, 'L1G1_LARGE_BODY_BYTES', 1024 * 1024, { min: 1024 }),
    maxLargeBodies: envInt(env, 'L1G1_MAX_LARGE_BODIES', 8, { min: 1, max: 100_000 }),
    maxSseStreams: envInt(env, 'L1G1_MAX_SSE_STREAMS', 512, { min: 1, max: 1_000_000 }),
    maxConnections: envInt(env, 'L1G1_MAX_CONNECTIONS', 4096, { min: 1, max: 1_000_000 }),
    headersTimeoutMs: envInt(env, 'L1G1_HTTP_HEADERS_TIMEOUT_MS', 10_000, { min: 100 }),
    keepAliveTimeoutMs: envInt(env, 'L1G1_HTTP_KEEPALIVE_TIMEOUT_MS', 65_000, { min: 100 }),
    predictTimeoutMs: envInt(env, 'L1G1_PREDICT_TIMEOUT_MS', 10_000, { min: 1 }),
    uploadTimeoutMs: envInt(env, 'L1G1_UPLOAD_TIMEOUT_MS', 600_000, { min: 1 }),
    upstreamTimeoutMs: envInt(env, 'L1G1_UPSTREAM_TIMEOUT_MS', 5_000, { min: 1 }),
    grpcKeepaliveTimeMs: envInt(env, 'L1G1_GRPC_KEEPALIVE_TIME_MS', 1000, { min: 100 }),
    grpcKeepaliveTimeoutMs: envInt(env, 'L1G1_GRPC_KEEPALIVE_TIMEOUT_MS', 1000, { min: 100 }),
    breakerResetMs: envInt(env, 'L1G1_BREAKER_RESET_MS', 1000, { min: 10 }),
    breakerErrorPercent: envInt(env, 'L1G1_BREAKER_ERROR_PERCENT', 50, { min: 1, max: 100 }),
    breakerConsecutiveFailures: envInt(env, 'L1G1_BREAKER_CONSECUTIVE_FAILURES', 3, { min: 1, max: 1_000_000 }),
    sseHeartbeatMs: envInt(env, 'L1G1_SSE_HEARTBEAT_MS', 15_000, { min: 10 }),
    labelingProgressMs: envInt(env, 'L1G1_LABELING_PROGRESS_MS', 1000, { min: 50 }),
    auth: loadAuthConfig(env, host),
    modelQps: envInt(env, 'L1G1_MODEL_QPS', 0, { min: 0, max: 1_000_000 }),
    grpcTls: loadGrpcTls(env),
  });
}
