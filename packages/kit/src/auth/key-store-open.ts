import type { AuthConfig } from './auth-config';
import type { KeyStore } from './key-store';
import { openPostgresKeyStore } from './postgres-key-store';
import { createSqliteKeyStore } from './sqlite-key-store';

/**
 * The key store a deployment asked for: PostgreSQL when L1G1_DATABASE_URL is
 * set (replicas on several machines share it), else the SQLite file under the
 * data directory that every process of one machine opens. Every composition
 * root opens keys through this, so no process reads another store than its peers.
 */
export async function openKeyStore(config: Pick<AuthConfig, 'databaseUrl' | 'keyDbPath'>): Promise<KeyStore> {
  if (config.databaseUrl) return openPostgresKeyStore({ url: config.databaseUrl });
  return createSqliteKeyStore(config.keyDbPath);
}
