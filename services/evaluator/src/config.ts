/**
 * The evaluator service's settings, parsed once from the environment into a
 * frozen object. Every default works on one laptop; a bad value fails at
 * startup naming the variable.
 */
// The config module alone: main parses the config before telemetry, hence before grpc-js loads.
import { envAddress, envDatabaseUrl, envInt, envString, envUpstream, type Env } from '@l1g1/kit/dist/config';
import { hostOf, loadAuthConfig, type AuthConfig } from '@l1g1/kit/dist/auth/auth-config';
import { loadGrpcTls, type GrpcTls } from '@l1g1/kit/dist/auth/grpc-tls-config';
import { join, resolve } from 'node:path';

/** Typed, frozen evaluator settings. */
export interface EvaluatorConfig {
  /** `host:port` to bind (L1G1_EVALUATOR_LISTEN, else L1G1_EVALUATOR_ADDR, default 127.0.0.1:50055). */
  readonly address: string;
  /** Absolute data root shared by the suite (L1G1_DATA_DIR, default ./.l1g1). */
  readonly dataDir: string;
  /** `<dataDir>/evaluator`: everything this service owns. */
  readonly evaluatorDir: string;
  /** `<evaluatorDir>/evaluator.db`: evaluation runs (SQLite) when no database URL is set. */
  readonly databasePath: string;
  /** L1G1_DATABASE_URL: jobs, runs, gates, decisions and benchmarks in PostgreSQL (tables `evaluator_*`); unset: SQLite files under `evaluatorDir`. */
  readonly databaseUrl: string | undefined;
  /** Where snapshots are read (L1G1_INGESTION_ADDR, default 127.0.0.1:50053). */
  readonly ingestionAddress: string;
  /** Where versions are resolved and metrics recorded (L1G1_REGISTRY_ADDR, default 127.0.0.1:50051). */
  readonly registryAddress: string;
  /** Where predictions are made, the path users hit (L1G1_INFERENCE_ADDR, default 127.0.0.1:50052). */
  readonly inferenceAddress: string;
  /** Evaluation jobs run at once by this process (L1G1_EVALUATOR_CONCURRENCY, default 1). */
  readonly concurrency: number;
  /** Predict calls in flight per job (L1G1_EVALUATOR_PREDICT_CONCURRENCY, default 4). */
  readonly predictConcurrency: number;
  /** Records one evaluation reads at most; beyond it the run fails (L1G1_EVALUATOR_MAX_RECORDS, default 1000000). */
  readonly maxRecords: number;
  /** How long a crashed evaluator's job stays leased (L1G1_EVALUATOR_LEASE_MS, default 30000). */
  readonly leaseMs: number;
  /** Queued + running evaluations accepted; more get RESOURCE_EXHAUSTED (L1G1_EVALUATOR_MAX_QUEUED, default 100). */
  readonly maxQueuedJobs: number;
  /** How long shutdown lets in-flight calls finish (L1G1_EVALUATOR_SHUTDOWN_GRACE_MS, default 5000). */
  readonly shutdownGraceMs: number;
  readonly auth: AuthConfig;
  readonly tls: GrpcTls | undefined;
}

/** Parses the evaluator settings from `env` (default: process.env). */
export function loadEvaluatorConfig(env: Env = process.env): EvaluatorConfig {
  const dataDir = resolve(envString(env, 'L1G1_DATA_DIR', './.l1g1'));
  const evaluatorDir = join(dataDir, 'evaluator');
  const address = envAddress(env, 'L1G1_EVALUATOR_LISTEN', envAddress(env, 'L1G1_EVALUATOR_ADDR', '127.0.0.1:50055'));
  return Object.freeze({
    address,
    dataDir,
    evaluatorDir,
    databasePath: join(evaluatorDir, 'evaluator.db'),
    databaseUrl: envDatabaseUrl(env, 'L1G1_DATABASE_URL'),
    ingestionAddress: envUpstream(env, 'L1G1_INGESTION_ADDR', '127.0.0.1:50053'),
    registryAddress: envUpstream(env, 'L1G1_REGISTRY_ADDR', '127.0.0.1:50051'),
    inferenceAddress: envUpstream(env, 'L1G1_INFERENCE_ADDR', '127.0.0.1:50052'),
    concurrency: envInt(env, 'L1G1_EVALUATOR_CONCURRENCY', 1, { min: 1, max: 64 }),
    predictConcurrency: envInt(env, 'L1G1_EVALUATOR_PREDICT_CONCURRENCY', 4, { min: 1, max: 64 }),
    maxRecords: envInt(env, 'L1G1_EVALUATOR_MAX_RECORDS', 1_000_000, { min: 1, max: 100_000_000 }),
    leaseMs: envInt(env, 'L1G1_EVALUATOR_LEASE_MS', 30_000, { min: 500, max: 3_600_000 }),
    maxQueuedJobs: envInt(env, 'L1G1_EVALUATOR_MAX_QUEUED', 100, { min: 1, max: 100_000 }),
    shutdownGraceMs: envInt(env, 'L1G1_EVALUATOR_SHUTDOWN_GRACE_MS', 5000, { min: 0, max: 600_000 }),
    auth: loadAuthConfig(env, hostOf(address)),
    tls: loadGrpcTls(env),
  });
}
