import { envAddress, envInt, envString, loadAuthConfig, loadGrpcTls, type AuthConfig, type Env, type GrpcTls } from '@l1g1/kit';

export interface GatewayConfig {
  host: string;
  port: number;
  registryAddress: string;
  inferenceAddress: string;
  /** Largest JSON body (predict / infer / metadata); beyond it: 413. */
  maxBodyBytes: number;
  /** Largest artifact upload streamed through to the registry; beyond it: 413. */
  maxUploadBytes: number;
  /** Calls in flight per upstream; beyond it requests are refused at once (429). */
  maxInflight: number;
  /** Deadline of each upstream call. */
  upstreamTimeoutMs: number;
  /** Time an open breaker waits before letting one trial call through. */
  breakerResetMs: number;
  /** Failure percentage (over the rolling window) that opens a breaker. */
  breakerErrorPercent: number;
  /** SSE comment heartbeat interval. */
  sseHeartbeatMs: number;
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
    registryAddress: envAddress(env, 'L1G1_REGISTRY_ADDR', '127.0.0.1:50051'),
    inferenceAddress: envAddress(env, 'L1G1_INFERENCE_ADDR', '127.0.0.1:50052'),
    maxBodyBytes: envInt(env, 'L1G1_MAX_BODY_BYTES', 16 * 1024 * 1024, { min: 1024 }),
    maxUploadBytes: envInt(env, 'L1G1_MAX_UPLOAD_BYTES', 512 * 1024 * 1024, { min: 1024 }),
    maxInflight: envInt(env, 'L1G1_MAX_INFLIGHT', 1024, { min: 1, max: 1_000_000 }),
    upstreamTimeoutMs: envInt(env, 'L1G1_UPSTREAM_TIMEOUT_MS', 30_000, { min: 1 }),
    breakerResetMs: envInt(env, 'L1G1_BREAKER_RESET_MS', 1000, { min: 10 }),
    breakerErrorPercent: envInt(env, 'L1G1_BREAKER_ERROR_PERCENT', 50, { min: 1, max: 100 }),
    sseHeartbeatMs: envInt(env, 'L1G1_SSE_HEARTBEAT_MS', 15_000, { min: 10 }),
    auth: loadAuthConfig(env, host),
    modelQps: envInt(env, 'L1G1_MODEL_QPS', 0, { min: 0, max: 1_000_000 }),
    grpcTls: loadGrpcTls(env),
  });
}
