/**
 * The trainer service's settings, parsed once from the environment into a
 * frozen object. Every default works on one laptop; a bad value fails at
 * startup naming the variable.
 */
// The config module alone: main parses the config before telemetry, hence before grpc-js loads.
import { envAddress, envDatabaseUrl, envInt, envOptionalString, envString, envUpstream, ConfigError, type Env } from '@l1g1/kit/dist/config';
import { hostOf, loadAuthConfig, type AuthConfig } from '@l1g1/kit/dist/auth/auth-config';
import { loadGrpcTls, type GrpcTls } from '@l1g1/kit/dist/auth/grpc-tls-config';
import { join, resolve } from 'node:path';

const GIB = 1024 * 1024 * 1024;

/** Where checkpoints and exported models live: content-addressed files, or an S3-compatible bucket. */
export type TrainerBlobConfig =
  | { readonly kind: 'file'; readonly dir: string }
  | {
      readonly kind: 's3';
      /** L1G1_BLOB_URL as given (`s3://bucket/prefix`; never carries credentials). */
      readonly url: string;
      readonly spoolDir: string;
      /** The process environment the S3 client reads its AWS_* settings from. */
      readonly env: Env;
    };

/** Typed, frozen trainer settings. */
export interface TrainerConfig {
  /** `host:port` to bind (L1G1_TRAINER_LISTEN, else L1G1_TRAINER_ADDR, default 127.0.0.1:50054). */
  readonly address: string;
  /** Absolute data root shared by the suite (L1G1_DATA_DIR, default ./.l1g1). */
  readonly dataDir: string;
  /** `<dataDir>/trainer`: everything this service owns. */
  readonly trainerDir: string;
  /** `<trainerDir>/trainer.db`: checkpoint rows (SQLite) when no database URL is set. */
  readonly databasePath: string;
  /** L1G1_DATABASE_URL: metadata and jobs in PostgreSQL; unset: SQLite files under `trainerDir`. */
  readonly databaseUrl: string | undefined;
  /** The blob store (L1G1_BLOB_URL=s3://bucket/prefix + AWS_*; unset: files under `<trainerDir>/blobs`). */
  readonly blobs: TrainerBlobConfig;
  /** Where snapshots are read (L1G1_INGESTION_ADDR, default 127.0.0.1:50053). */
  readonly ingestionAddress: string;
  /** Where trained models are registered (L1G1_REGISTRY_ADDR, default 127.0.0.1:50051). */
  readonly registryAddress: string;
  /** Training data one job holds in memory; beyond it the job fails (L1G1_TRAINER_MAX_DATASET_BYTES, default 1 GiB). */
  readonly maxDatasetBytes: number;
  /** Jobs trained at once by this process (L1G1_TRAINER_CONCURRENCY, default 1). */
  readonly concurrency: number;
  /**
   * How long a crashed trainer's job stays leased before another (or the
   * restarted) trainer takes it over (L1G1_TRAINER_LEASE_MS, default 30000).
   */
  readonly leaseMs: number;
  /** Queued + running training jobs accepted; more get RESOURCE_EXHAUSTED (L1G1_TRAINER_MAX_QUEUED, default 100). */
  readonly maxQueuedJobs: number;
  /** How long shutdown lets in-flight calls finish (L1G1_TRAINER_SHUTDOWN_GRACE_MS, default 5000). */
  readonly shutdownGraceMs: number;
  /** Reported in lineage when git is not at hand (L1G1_CODE_VERSION; default: the package version). */
  readonly codeVersion: string | undefined;
  readonly auth: AuthConfig;
  readonly tls: GrpcTls | undefined;
}

/** Parses the trainer settings from `env` (default: process.env). */
export function loadTrainerConfig(env: Env = process.env): TrainerConfig {
  const dataDir = resolve(envString(env, 'L1G1_DATA_DIR', './.l1g1'));
  const trainerDir = join(dataDir, 'trainer');
  const address = envAddress(env, 'L1G1_TRAINER_LISTEN', envAddress(env, 'L1G1_TRAINER_ADDR', '127.0.0.1:50054'));
  return Object.freeze({
    address,
    dataDir,
    trainerDir,
    databasePath: join(trainerDir, 'trainer.db'),
    databaseUrl: envDatabaseUrl(env, 'L1G1_DATABASE_URL'),
    blobs: loadBlobConfig(env, trainerDir),
    ingestionAddress: envUpstream(env, 'L1G1_INGESTION_ADDR', '127.0.0.1:50053'),
    registryAddress: envUpstream(env, 'L1G1_REGISTRY_ADDR', '127.0.0.1:50051'),
    maxDatasetBytes: envInt(env, 'L1G1_TRAINER_MAX_DATASET_BYTES', GIB, { min: 1, max: 64 * GIB }),
    concurrency: envInt(env, 'L1G1_TRAINER_CONCURRENCY', 1, { min: 1, max: 64 }),
    leaseMs: envInt(env, 'L1G1_TRAINER_LEASE_MS', 30_000, { min: 500, max: 3_600_000 }),
    maxQueuedJobs: envInt(env, 'L1G1_TRAINER_MAX_QUEUED', 100, { min: 1, max: 100_000 }),
    shutdownGraceMs: envInt(env, 'L1G1_TRAINER_SHUTDOWN_GRACE_MS', 5000, { min: 0, max: 600_000 }),
    codeVersion: envOptionalString(env, 'L1G1_CODE_VERSION'),
    auth: loadAuthConfig(env, hostOf(address)),
    tls: loadGrpcTls(env),
  });
}

function loadBlobConfig(env: Env, trainerDir: string): TrainerBlobConfig {
  const url = envOptionalString(env, 'L1G1_BLOB_URL');
  if (url === undefined) return Object.freeze({ kind: 'file', dir: join(trainerDir, 'blobs') });
  if (!url.startsWith('s3://')) throw new ConfigError('L1G1_BLOB_URL', 'expected an s3://bucket/prefix URL');
  return Object.freeze({ kind: 's3', url, spoolDir: join(trainerDir, 'blob-spool'), env });
}
