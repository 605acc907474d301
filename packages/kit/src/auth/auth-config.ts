import { join, resolve } from 'node:path';
import { envBool, envDatabaseUrl, envInt, envOptionalString, envString, type Env } from '../config';

/** Auth settings every process parses the same way (from its own `main`). */
export interface AuthConfig {
  /** `<L1G1_DATA_DIR>/auth/keys.db`: the key store every process opens. */
  readonly keyDbPath: string;
  /**
   * L1G1_DATABASE_URL: set → keys live in PostgreSQL, shared by every replica
   * on every machine; unset → the SQLite file at `keyDbPath`.
   */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  /** L1G1_AUTH_CACHE_TTL_MS (default 5000): longest a revoked key keeps working in a process. */
  readonly cacheTtlMs: number;
  /**
   * L1G1_ALLOW_ANONYMOUS (default true), honoured only when the process
   * binds a loopback host: reads and predicts without a key.
   */
  readonly allowAnonymous: boolean;
  /** L1G1_INTERNAL_SECRET; unset = `<data dir>/auth/internal.secret` (see loadInternalSecret). */
  readonly internalSecret: string | undefined;
  /**
   * L1G1_DEFAULT_KEY_QPS (default 0 = unlimited): requests per second per API
   * key that sets no `qps` of its own (and per anonymous address).
   */
  readonly defaultKeyQps: number;
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** The host part of `host:port` (`[::1]:50051` → `::1`). */
export function hostOf(address: string): string {
  return address.slice(0, address.lastIndexOf(':')).replace(/^\[|\]$/g, '');
}

/**
 * Parses the auth settings. `bindHost` is where the process listens:
 * anonymous access is never allowed on a non-loopback host, whatever the
 * variable says, because a key-less write path must not reach a network.
 */
export function loadAuthConfig(env: Env, bindHost: string): AuthConfig {
  const dataDir = resolve(envString(env, 'L1G1_DATA_DIR', './.l1g1'));
  return Object.freeze({
    dataDir,
    keyDbPath: join(dataDir, 'auth', 'keys.db'),
    databaseUrl: envDatabaseUrl(env, 'L1G1_DATABASE_URL'),
    cacheTtlMs: envInt(env, 'L1G1_AUTH_CACHE_TTL_MS', 5000, { min: 0, max: 3_600_000 }),
    allowAnonymous: envBool(env, 'L1G1_ALLOW_ANONYMOUS', true) && isLoopbackHost(bindHost),
    internalSecret: envOptionalString(env, 'L1G1_INTERNAL_SECRET'),
    defaultKeyQps: envInt(env, 'L1G1_DEFAULT_KEY_QPS', 0, { min: 0, max: 1_000_000 }),
  });
}
