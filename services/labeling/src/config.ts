/**
 * The labeling service's settings, parsed once from the environment into a
 * frozen object. Every default works on one laptop; a bad value fails at
 * startup naming the variable.
 */
// The config module alone: main parses the config before telemetry, hence before grpc-js loads.
import { envAddress, envDatabaseUrl, envInt, envString, envUpstream, type Env } from '@l1g1/kit/dist/config';
import { hostOf, loadAuthConfig, type AuthConfig } from '@l1g1/kit/dist/auth/auth-config';
import { loadGrpcTls, type GrpcTls } from '@l1g1/kit/dist/auth/grpc-tls-config';
import { join, resolve } from 'node:path';

/** Typed, frozen labeling settings. */
export interface LabelingConfig {
  /** `host:port` to bind (L1G1_LABELING_LISTEN, else L1G1_LABELING_ADDR, default 127.0.0.1:50056). */
  readonly address: string;
  /** Absolute data root shared by the suite (L1G1_DATA_DIR, default ./.l1g1). */
  readonly dataDir: string;
  /** `<dataDir>/labeling`: everything this service owns. */
  readonly labelingDir: string;
  /** `<labelingDir>/labeling.db`: projects, tasks and annotations (SQLite) when no database URL is set. */
  readonly databasePath: string;
  /** L1G1_DATABASE_URL: metadata in PostgreSQL; unset: SQLite under `labelingDir`. */
  readonly databaseUrl: string | undefined;
  /** Where snapshots are read (L1G1_INGESTION_ADDR, default 127.0.0.1:50053). */
  readonly ingestionAddress: string;
  /** Where pre-label models are resolved (L1G1_REGISTRY_ADDR, default 127.0.0.1:50051). */
  readonly registryAddress: string;
  /** Where pre-labels are predicted (L1G1_INFERENCE_ADDR, default 127.0.0.1:50052). */
  readonly inferenceAddress: string;
  /** Predict calls in flight per pre-label job (L1G1_LABELING_PREDICT_CONCURRENCY, default 4). */
  readonly predictConcurrency: number;
  /** Records one ImportTasks call may add (L1G1_LABELING_MAX_IMPORT, default 100000). */
  readonly maxImportRecords: number;
  /** Bytes of one record's data a task may hold (L1G1_LABELING_MAX_RECORD_BYTES, default 4 MiB). */
  readonly maxRecordBytes: number;
  /** Bytes one ImportAnnotations upload may hold (L1G1_LABELING_MAX_IMPORT_BYTES, default 64 MiB); read whole, so bounded. */
  readonly maxImportBytes: number;
  /** Jobs (pre-labels, exports) one replica runs at once (L1G1_LABELING_JOB_CONCURRENCY, default 1). */
  readonly jobConcurrency: number;
  /** A dead replica's job is claimed again this long after its last heartbeat, and a cancel is seen within about a third of it (L1G1_LABELING_JOB_LEASE_MS, default 30000). */
  readonly jobLeaseMs: number;
  /** Queued + running jobs of one kind (pre-labels, exports) before new ones are refused (L1G1_LABELING_MAX_QUEUED_JOBS, default 20). */
  readonly maxQueuedJobs: number;
  /** How long shutdown lets in-flight calls finish (L1G1_LABELING_SHUTDOWN_GRACE_MS, default 5000). */
  readonly shutdownGraceMs: number;
  readonly auth: AuthConfig;
  readonly tls: GrpcTls | undefined;
}

/** Parses the labeling settings from `env` (default: process.env). */
export function loadLabelingConfig(env: Env = process.env): LabelingConfig {
  const dataDir = resolve(envString(env, 'L1G1_DATA_DIR', './.l1g1'));
  const labelingDir = join(dataDir, 'labeling');
  const address = envAddress(env, 'L1G1_LABELING_LISTEN', envAddress(env, 'L1G1_LABELING_ADDR', '127.0.0.1:50056'));
  return Object.freeze({
    address,
    dataDir,
    labelingDir,
    databasePath: join(labelingDir, 'labeling.db'),
    databaseUrl: envDatabaseUrl(env, 'L1G1_DATABASE_URL'),
    ingestionAddress: envUpstream(env, 'L1G1_INGESTION_ADDR', '127.0.0.1:50053'),
    registryAddress: envUpstream(env, 'L1G1_REGISTRY_ADDR', '127.0.0.1:50051'),
    inferenceAddress: envUpstream(env, 'L1G1_INFERENCE_ADDR', '127.0.0.1:50052'),
    predictConcurrency: envInt(env, 'L1G1_LABELING_PREDICT_CONCURRENCY', 4, { min: 1, max: 64 }),
    maxImportRecords: envInt(env, 'L1G1_LABELING_MAX_IMPORT', 100_000, { min: 1, max: 10_000_000 }),
    maxRecordBytes: envInt(env, 'L1G1_LABELING_MAX_RECORD_BYTES', 4 * 1024 * 1024, { min: 1024, max: 64 * 1024 * 1024 }),
    maxImportBytes: envInt(env, 'L1G1_LABELING_MAX_IMPORT_BYTES', 64 * 1024 * 1024, { min: 1024, max: 1024 * 1024 * 1024 }),
    jobConcurrency: envInt(env, 'L1G1_LABELING_JOB_CONCURRENCY', 1, { min: 1, max: 64 }),
    jobLeaseMs: envInt(env, 'L1G1_LABELING_JOB_LEASE_MS', 30_000, { min: 500, max: 3_600_000 }),
    maxQueuedJobs: envInt(env, 'L1G1_LABELING_MAX_QUEUED_JOBS', 20, { min: 1, max: 10_000 }),
    shutdownGraceMs: envInt(env, 'L1G1_LABELING_SHUTDOWN_GRACE_MS', 5000, { min: 0, max: 600_000 }),
    auth: loadAuthConfig(env, hostOf(address)),
    tls: loadGrpcTls(env),
  });
}
