// The config modules alone: main parses the config before telemetry, hence before grpc-js loads.
import { envAddress, envBool, envInt, envString, type Env } from '@l1g1/kit/dist/config';
import { hostOf, loadAuthConfig, type AuthConfig } from '@l1g1/kit/dist/auth/auth-config';
import { loadGrpcTls, type GrpcTls } from '@l1g1/kit/dist/auth/grpc-tls-config';
import { join, resolve } from 'node:path';

export interface InferenceConfig {
  /** gRPC bind address (our InferenceService and OIP v2). */
  address: string;
  registryAddress: string;
  /** Verified artifacts downloaded from the registry. */
  cacheDir: string;
  /** Prometheus /metrics bind host and port (port 0: any free port; -1: off). */
  metricsHost: string;
  metricsPort: number;
  workersPerModel: number;
  intraOpThreads: number;
  batching: boolean;
  maxBatchSize: number;
  maxQueueDelayUs: number;
  maxQueueSize: number;
  maxQueueWaitUs: number;
  /** API keys, anonymous access (loopback only), internal secret. */
  auth: AuthConfig;
  /** gRPC TLS for this server and the registry client (L1G1_GRPC_TLS_*); undefined = plaintext. */
  tls: GrpcTls | undefined;
  /** Sum of the artifact sizes of loaded models; least recently used idle models are evicted beyond it. */
  maxLoadedBytes: number;
  /** Unload a model no request used for this long, unless an alias routes to it (0: never). */
  modelIdleMs: number;
  /** Most bytes of artifact files kept in `cacheDir`. */
  cacheMaxBytes: number;
  /** How often cache files of deleted or archived versions are looked for (0: only after unloads). */
  cacheSweepMs: number;
  /** How long a variant's recorded usability (fp16/int8 vs fp32) is trusted before the registry is asked again. */
  variantPolicyTtlMs: number;
}

const GIB = 1024 ** 3;

export function loadInferenceConfig(env: Env = process.env): Readonly<InferenceConfig> {
  const dataDir = resolve(envString(env, 'L1G1_DATA_DIR', './.l1g1'));
  // Where to listen; defaults to the address clients dial (one machine).
  const address = envAddress(env, 'L1G1_INFERENCE_LISTEN', envAddress(env, 'L1G1_INFERENCE_ADDR', '127.0.0.1:50052'));
  return Object.freeze({
    address,
    registryAddress: envAddress(env, 'L1G1_REGISTRY_ADDR', '127.0.0.1:50051'),
    cacheDir: join(dataDir, 'inference', 'cache'),
    metricsHost: envString(env, 'L1G1_HTTP_HOST', '127.0.0.1'),
    metricsPort: envInt(env, 'L1G1_INFERENCE_METRICS_PORT', 9102, { min: -1, max: 65535 }),
    workersPerModel: envInt(env, 'L1G1_INFERENCE_WORKERS', 1, { min: 1, max: 64 }),
    intraOpThreads: envInt(env, 'L1G1_ORT_THREADS', 1, { min: 1, max: 256 }),
    batching: envBool(env, 'L1G1_BATCHING', true),
    maxBatchSize: envInt(env, 'L1G1_MAX_BATCH_SIZE', 32, { min: 1, max: 4096 }),
    maxQueueDelayUs: envInt(env, 'L1G1_MAX_QUEUE_DELAY_US', 0, { min: 0, max: 10_000_000 }),
    maxQueueSize: envInt(env, 'L1G1_MAX_QUEUE_SIZE', 1024, { min: 1, max: 1_000_000 }),
    maxQueueWaitUs: envInt(env, 'L1G1_MAX_QUEUE_WAIT_MS', 1000, { min: 0, max: 3_600_000 }) * 1000,
    auth: loadAuthConfig(env, hostOf(address)),
    tls: loadGrpcTls(env),
    maxLoadedBytes: envInt(env, 'L1G1_INFERENCE_MAX_LOADED_BYTES', 2 * GIB, { min: 1, max: Number.MAX_SAFE_INTEGER }),
    modelIdleMs: envInt(env, 'L1G1_INFERENCE_MODEL_IDLE_MS', 15 * 60_000, { min: 0, max: 7 * 24 * 3_600_000 }),
    cacheMaxBytes: envInt(env, 'L1G1_INFERENCE_CACHE_MAX_BYTES', 8 * GIB, { min: 0, max: Number.MAX_SAFE_INTEGER }),
    cacheSweepMs: envInt(env, 'L1G1_INFERENCE_CACHE_SWEEP_MS', 60_000, { min: 0, max: 24 * 3_600_000 }),
    variantPolicyTtlMs: envInt(env, 'L1G1_INFERENCE_VARIANT_POLICY_TTL_MS', 5000, { min: 0, max: 3_600_000 }),
  });
}
