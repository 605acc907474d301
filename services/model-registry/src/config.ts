/**
 * The registry's settings, parsed once from the environment into a frozen
 * object. Every default works on one laptop; a bad value fails at startup
 * naming the variable.
 */
// The config module alone: main parses the config before telemetry, hence before grpc-js loads.
import { envAddress, envDatabaseUrl, envInt, envOptionalString, envString, type Env } from '@l1g1/kit/dist/config';
import { parseS3BlobUrl, type S3BlobLocation } from '@l1g1/kit/dist/s3-blob-url';
import { hostOf, loadAuthConfig, type AuthConfig } from '@l1g1/kit/dist/auth/auth-config';
import { loadGrpcTls, type GrpcTls } from '@l1g1/kit/dist/auth/grpc-tls-config';
import { join, resolve } from 'node:path';

const MIB = 1024 * 1024;

/** The standard AWS variables the S3 client reads (endpoint, region, credentials). */
const AWS_VARIABLES = [
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_S3',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
] as const;

/** Where artifacts live: content-addressed files, or an S3-compatible bucket. */
export type RegistryBlobConfig =
  | { readonly kind: 'file'; readonly dir: string }
  | {
      readonly kind: 's3';
      /** L1G1_BLOB_URL as given (`s3://bucket/prefix`; never carries credentials). */
      readonly url: string;
      readonly location: S3BlobLocation;
      /**
       * `<registryDir>/spool`: each upload is written here first, so the ONNX
       * check reads a local file before anything reaches the bucket.
       */
      readonly spoolDir: string;
      /** The AWS_* variables of {@link AWS_VARIABLES} that were set; the store reads nothing else. */
      readonly awsEnv: Readonly<Record<string, string>>;
    };

/** Typed, frozen registry settings. */
export interface RegistryConfig {
  /** `host:port` to bind (L1G1_REGISTRY_ADDR, default 127.0.0.1:50051; port 0 picks a free one). */
  readonly address: string;
  /** Absolute data root shared by the suite (L1G1_DATA_DIR, default ./.l1g1). */
  readonly dataDir: string;
  /** `<dataDir>/registry`: everything this service owns. */
  readonly registryDir: string;
  /** `<registryDir>/registry.db`: metadata (SQLite), when no database URL is set. */
  readonly databasePath: string;
  /**
   * L1G1_DATABASE_URL (postgres://...): metadata in PostgreSQL, shared by
   * registry replicas, alias events across them by LISTEN/NOTIFY. Unset: SQLite
   * at `databasePath` (the embedded default; nothing to install).
   */
  readonly databaseUrl: string | undefined;
  /** `<registryDir>/blobs`: content-addressed artifacts (file store). */
  readonly blobDir: string;
  /** The blob store (L1G1_BLOB_URL=s3://bucket/prefix + AWS_*; unset: files under `blobDir`). */
  readonly blobs: RegistryBlobConfig;
  /** Largest artifact accepted (L1G1_REGISTRY_MAX_ARTIFACT_BYTES, default 512 MiB). */
  readonly maxArtifactBytes: number;
  /** How long shutdown lets in-flight calls finish before cutting them (L1G1_REGISTRY_SHUTDOWN_GRACE_MS, default 5000). */
  readonly shutdownGraceMs: number;
  /** API keys, anonymous access (loopback only), internal secret. */
  readonly auth: AuthConfig;
  /** gRPC TLS (L1G1_GRPC_TLS_*); undefined = plaintext. */
  readonly tls: GrpcTls | undefined;
  /** Uploads in progress at once; more get RESOURCE_EXHAUSTED (L1G1_REGISTRY_MAX_CONCURRENT_UPLOADS, default 4). */
  readonly maxConcurrentUploads: number;
  /** Time allowed to check an upload loads in onnxruntime (L1G1_REGISTRY_VALIDATE_TIMEOUT_MS, default 30000). */
  readonly validateTimeoutMs: number;
}

/** Parses the registry settings from `env` (default: process.env). */
export function loadRegistryConfig(env: Env = process.env): RegistryConfig {
  const dataDir = resolve(envString(env, 'L1G1_DATA_DIR', './.l1g1'));
  const registryDir = join(dataDir, 'registry');
  // Where to listen; defaults to the address clients dial (one machine).
  const address = envAddress(env, 'L1G1_REGISTRY_LISTEN', envAddress(env, 'L1G1_REGISTRY_ADDR', '127.0.0.1:50051'));
  const blobDir = join(registryDir, 'blobs');
  return Object.freeze({
    address,
    dataDir,
    registryDir,
    databasePath: join(registryDir, 'registry.db'),
    databaseUrl: envDatabaseUrl(env, 'L1G1_DATABASE_URL'),
    blobDir,
    blobs: loadBlobConfig(env, registryDir, blobDir),
    // ONNX files are protobufs, which cannot exceed 2 GiB.
    maxArtifactBytes: envInt(env, 'L1G1_REGISTRY_MAX_ARTIFACT_BYTES', 512 * MIB, { min: 1, max: 2048 * MIB - 1 }),
    shutdownGraceMs: envInt(env, 'L1G1_REGISTRY_SHUTDOWN_GRACE_MS', 5000, { min: 0, max: 600_000 }),
    auth: loadAuthConfig(env, hostOf(address)),
    tls: loadGrpcTls(env),
    // Each upload holds a temp file and, while checked, an onnxruntime process
    // as large as the model: a handful at once suits one machine.
    maxConcurrentUploads: envInt(env, 'L1G1_REGISTRY_MAX_CONCURRENT_UPLOADS', 4, { min: 1, max: 1024 }),
    validateTimeoutMs: envInt(env, 'L1G1_REGISTRY_VALIDATE_TIMEOUT_MS', 30_000, { min: 100, max: 600_000 }),
  });
}

function loadBlobConfig(env: Env, registryDir: string, blobDir: string): RegistryBlobConfig {
  const url = envOptionalString(env, 'L1G1_BLOB_URL');
  if (url === undefined) return Object.freeze({ kind: 'file', dir: blobDir });
  const awsEnv: Record<string, string> = {};
  for (const name of AWS_VARIABLES) {
    const value = envOptionalString(env, name);
    if (value !== undefined) awsEnv[name] = value;
  }
  return Object.freeze({
    kind: 's3',
    url,
    location: Object.freeze(parseS3BlobUrl(url)),
    spoolDir: join(registryDir, 'spool'),
    awsEnv: Object.freeze(awsEnv),
  });
}
