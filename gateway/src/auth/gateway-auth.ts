import { createKeyVerifier, loadInternalSecret, openKeyStore } from '@l1g1/kit';
import type { GatewayConfig } from '../config';
import type { KeyStore, KeyVerifier } from '@l1g1/kit';

/** What the gateway's auth plugin and key routes are built from (composition root). */
export interface GatewayAuth {
  keys: KeyStore;
  verifier: KeyVerifier;
  /** Signs the principal forwarded to services. */
  internalSecret: string;
  /** Reads and predicts without a key (already false unless the gateway binds loopback). */
  allowAnonymous: boolean;
  /** Requests per second per key when the key sets none (0 = unlimited). */
  defaultKeyQps: number;
  /** Predict requests per second per model, all callers together (0 = unlimited). */
  modelQps: number;
}

/**
 * The auth dependencies from the config: the shared key store (PostgreSQL
 * when L1G1_DATABASE_URL is set, else the data directory's SQLite file), a
 * cached verifier, the internal secret.
 */
export async function createGatewayAuth(config: Readonly<GatewayConfig>): Promise<GatewayAuth> {
  const keys = await openKeyStore(config.auth);
  return {
    keys,
    verifier: createKeyVerifier({ store: keys, cacheTtlMs: config.auth.cacheTtlMs }),
    internalSecret: loadInternalSecret(config.auth.internalSecret, config.auth.dataDir),
    allowAnonymous: config.auth.allowAnonymous,
    defaultKeyQps: config.auth.defaultKeyQps,
    modelQps: config.modelQps,
  };
}
