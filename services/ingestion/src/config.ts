/**
 * The ingestion service's settings, parsed once from the environment into a
 * frozen object. Every default works on one laptop; a bad value fails at
 * startup naming the variable.
 */
// The config module alone: main parses the config before telemetry, hence before grpc-js loads.
import { envAddress, envDatabaseUrl, envInt, envOptionalString, envString, envUpstream, ConfigError, type Env } from '@l1g1/kit/dist/config';
import { hostOf, loadAuthConfig, type AuthConfig } from '@l1g1/kit/dist/auth/auth-config';
import { loadGrpcTls, type GrpcTls } from '@l1g1/kit/dist/auth/grpc-tls-config';
import { join, resolve } from 'node:path';

const GIB = 1024 * 1024 * 1024;

/** Where snapshot files and manifests live: content-addressed files, or an S3-compatible bucket. */
export type IngestionBlobConfig =
  | { readonly kind: 'file'; readonly dir: string }
  | {
      readonly kind: 's3';
      /** L1G1_BLOB_URL as given (`s3://bucket/prefix`; never carries credentials). */
      readonly url: string;
      /** Local spool for blobs on their way to the bucket. */
      readonly spoolDir: string;
      /** The process environment the S3 client reads its AWS_* settings from. */
      readonly env: Env;
    };

/** Typed, frozen ingestion settings. */
export interface IngestionConfig {
  /** `host:port` to bind (L1G1_INGESTION_LISTEN, else L1G1_INGESTION_ADDR, default 127.0.0.1:50053). */
  readonly address: string;
  /** Absolute data root shared by the suite (L1G1_DATA_DIR, default ./.l1g1). */
  readonly dataDir: string;
  /** `<dataDir>/ingestion`: everything this service owns. */
  readonly ingestionDir: string;
  /** `<ingestionDir>/ingestion.db`: metadata (SQLite) when no database URL is set. */
  readonly databasePath: string;
  /** L1G1_DATABASE_URL: metadata and jobs in PostgreSQL; unset: SQLite files under `ingestionDir`. */
  readonly databaseUrl: string | undefined;
  /** The blob store (L1G1_BLOB_URL=s3://bucket/prefix + AWS_*; unset: files under `<ingestionDir>/blobs`). */
  readonly blobs: IngestionBlobConfig;
  /** `<ingestionDir>/spool`: uploads in progress, one folder each, deleted when the upload ends. */
  readonly spoolDir: string;
  /** The inference service, for the confidence filter (L1G1_INFERENCE_ADDR, default 127.0.0.1:50052). */
  readonly inferenceAddress: string;
  /** The model registry, for a model version's tags (L1G1_REGISTRY_ADDR, default 127.0.0.1:50051). */
  readonly registryAddress: string;
  /** Largest upload accepted, all files together (L1G1_INGESTION_MAX_UPLOAD_BYTES, default 4 GiB). */
  readonly maxUploadBytes: number;
  /** Largest single file a whole-file format (PDF, DOCX, XLSX, images, Parquet ...) reads into memory (L1G1_INGESTION_MAX_FILE_BYTES, default 256 MiB). */
  readonly maxFileBytes: number;
  /** Files in one upload (L1G1_INGESTION_MAX_FILES, default 100000). */
  readonly maxFiles: number;
  /** Uploads in progress at once; more get RESOURCE_EXHAUSTED (L1G1_INGESTION_MAX_CONCURRENT_UPLOADS, default 4). */
  readonly maxConcurrentUploads: number;
  /** Longest wait for the next message of an upload before it is dropped (L1G1_INGESTION_UPLOAD_IDLE_MS, default 60000). */
  readonly uploadIdleMs: number;
  /** Local copies of snapshot files for readers, evicted past this size (L1G1_INGESTION_CACHE_BYTES, default 2 GiB). */
  readonly snapshotCacheBytes: number;
  /** Epsilon each dataset may spend on DP statistics (L1G1_INGESTION_DP_BUDGET, default 10). */
  readonly dpBudgetEpsilon: number;
  /** How long shutdown lets in-flight calls finish (L1G1_INGESTION_SHUTDOWN_GRACE_MS, default 5000). */
  readonly shutdownGraceMs: number;
  /** API keys, anonymous access (loopback only), internal secret. */
  readonly auth: AuthConfig;
  /** gRPC TLS (L1G1_GRPC_TLS_*); undefined = plaintext. */
  readonly tls: GrpcTls | undefined;
}

/** Parses the ingestion settings from `env` (default: process.env). */
export function loadIngestionConfig(env: Env = process.env): IngestionConfig {
  const dataDir = resolve(envString(env, 'L1G1_DATA_DIR', './.l1g1'));
  const ingestionDir = join(dataDir, 'ingestion');
  const address = envAddress(env, 'L1G1_INGESTION_LISTEN', envAddress(env, 'L1G1_INGESTION_ADDR', '127.0.0.1:50053'));
  return Object.freeze({
    address,
    dataDir,
    ingestionDir,
    databasePath: join(ingestionDir, 'ingestion.db'),
    databaseUrl: envDatabaseUrl(env, 'L1G1_DATABASE_URL'),
    blobs: loadBlobConfig(env, ingestionDir),
    spoolDir: join(ingestionDir, 'spool'),
    inferenceAddress: envUpstream(env, 'L1G1_INFERENCE_ADDR', '127.0.0.1:50052'),
    registryAddress: envUpstream(env, 'L1G1_REGISTRY_ADDR', '127.0.0.1:50051'),
    // Spooled to disk, never held in memory: the bound is the disk's, not RAM's.
    maxUploadBytes: envInt(env, 'L1G1_INGESTION_MAX_UPLOAD_BYTES', 4 * GIB, { min: 1, max: Number.MAX_SAFE_INTEGER }),
    maxFileBytes: envInt(env, 'L1G1_INGESTION_MAX_FILE_BYTES', 256 * 1024 * 1024, { min: 1, max: 2 * GIB }),
    maxFiles: envInt(env, 'L1G1_INGESTION_MAX_FILES', 100_000, { min: 1, max: 10_000_000 }),
    // Each upload holds a spool folder and a worker thread parsing it.
    maxConcurrentUploads: envInt(env, 'L1G1_INGESTION_MAX_CONCURRENT_UPLOADS', 4, { min: 1, max: 1024 }),
    // A stalled upload holds a slot of maxConcurrentUploads: bounded so that a few stalled clients cannot lock uploads out.
    uploadIdleMs: envInt(env, 'L1G1_INGESTION_UPLOAD_IDLE_MS', 60_000, { min: 1, max: 3_600_000 }),
    snapshotCacheBytes: envInt(env, 'L1G1_INGESTION_CACHE_BYTES', 2 * GIB, { min: 0, max: Number.MAX_SAFE_INTEGER }),
    dpBudgetEpsilon: envPositiveNumber(env, 'L1G1_INGESTION_DP_BUDGET', 10),
    shutdownGraceMs: envInt(env, 'L1G1_INGESTION_SHUTDOWN_GRACE_MS', 5000, { min: 0, max: 600_000 }),
    auth: loadAuthConfig(env, hostOf(address)),
    tls: loadGrpcTls(env),
  });
}

function envPositiveNumber(env: Env, name: string, fallback: number): number {
  const value = envOptionalString(env, name);
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !Number.isFinite(n) || n <= 0) {
    throw new ConfigError(name, `expected a positive number, got "${value}"`);
  }
  return n;
}

function loadBlobConfig(env: Env, ingestionDir: string): IngestionBlobConfig {
  const url = envOptionalString(env, 'L1G1_BLOB_URL');
  if (url === undefined) return Object.freeze({ kind: 'file', dir: join(ingestionDir, 'blobs') });
  if (!url.startsWith('s3://')) throw new ConfigError('L1G1_BLOB_URL', 'expected an s3://bucket/prefix URL');
  return Object.freeze({ kind: 's3', url, spoolDir: join(ingestionDir, 'blob-spool'), env });
}
