import { readFileSync } from 'node:fs';
import { ConfigError, envOptionalString, type Env } from '../config';

// No grpc-js here: processes parse their config before telemetry patches grpc-js.

/** PEM material for gRPC TLS, read once at start from the files env names. */
export interface GrpcTls {
  /** This process's certificate chain and key (servers; clients too for mTLS). */
  readonly cert: Buffer | undefined;
  readonly key: Buffer | undefined;
  /** CA that signed the servers' certificates (clients verify against it). */
  readonly ca: Buffer | undefined;
}

function readPem(env: Env, name: string): Buffer | undefined {
  const path = envOptionalString(env, name);
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(name, `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/**
 * `L1G1_GRPC_TLS_CERT`, `L1G1_GRPC_TLS_KEY`, `L1G1_GRPC_TLS_CA`: files, not
 * inline PEM, so secrets come from mounted volumes. All unset = plaintext
 * (one machine, loopback); `undefined` is returned then.
 */
export function loadGrpcTls(env: Env): GrpcTls | undefined {
  const tls = { cert: readPem(env, 'L1G1_GRPC_TLS_CERT'), key: readPem(env, 'L1G1_GRPC_TLS_KEY'), ca: readPem(env, 'L1G1_GRPC_TLS_CA') };
  if (!tls.cert && !tls.key && !tls.ca) return undefined;
  if (Boolean(tls.cert) !== Boolean(tls.key)) throw new ConfigError(tls.cert ? 'L1G1_GRPC_TLS_KEY' : 'L1G1_GRPC_TLS_CERT', 'set both the certificate and its key');
  return Object.freeze(tls);
}
