/**
 * KeyStore on PostgreSQL, for the scaled mode: every replica of every
 * service on every machine verifies against the same table, so a key minted
 * or revoked anywhere counts everywhere (each process within its verifier's
 * cache TTL). Same columns as the SQLite store; times are ms since the epoch.
 */
import { openPostgres, withPostgresOutages, type PostgresPool } from '../postgres';
import type { ApiKeyRecord, KeyStore, NewApiKey } from './key-store';
import { isScope } from './scopes';

/**
 * Schema of the key store (component `l1g1_auth` in l1g1_migrations). Append,
 * never edit. Ids compare as bytes (COLLATE "C"), as in SQLite, whatever the
 * database locale, so listings order alike.
 */
export const POSTGRES_KEY_MIGRATIONS: readonly string[] = [
  `CREATE TABLE api_keys (
     id             TEXT COLLATE "C" PRIMARY KEY,
     secret_sha256  TEXT NOT NULL,
     name           TEXT NOT NULL,
     scopes         TEXT NOT NULL,
     model_patterns TEXT NOT NULL,
     qps            INTEGER NOT NULL DEFAULT 0,
     created_at     BIGINT NOT NULL,
     last_used_at   BIGINT,
     revoked_at     BIGINT
   )`,
];

interface Row {
  id: string;
  secret_sha256: string;
  name: string;
  scopes: string;
  model_patterns: string;
  qps: number;
  // BIGINT arrives as a string from pg (it may exceed 2^53; ms timestamps do not).
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

function toRecord(r: Row): ApiKeyRecord {
  return {
    id: r.id,
    name: r.name,
    // Written by this store from validated scopes; unknown ones are dropped, never trusted.
    scopes: (JSON.parse(r.scopes) as unknown[]).filter(isScope),
    modelPatterns: JSON.parse(r.model_patterns) as string[],
    qps: r.qps,
    createdAt: new Date(Number(r.created_at)),
    lastUsedAt: r.last_used_at === null ? undefined : new Date(Number(r.last_used_at)),
    revokedAt: r.revoked_at === null ? undefined : new Date(Number(r.revoked_at)),
  };
}

/** Options of {@link openPostgresKeyStore}. */
export interface PostgresKeyStoreOptions {
  /** Connection string (L1G1_DATABASE_URL). */
  url: string;
  /** Pool size (default 4: key lookups are few, cached, and single-row). */
  maxConnections?: number;
}

/** Opens the pool and applies the key store's migrations. */
export async function openPostgresKeyStore(options: PostgresKeyStoreOptions): Promise<KeyStore> {
  const pool: PostgresPool = await openPostgres(options.url, POSTGRES_KEY_MIGRATIONS, {
    component: 'l1g1_auth',
    maxConnections: options.maxConnections ?? 4,
  });
  let closing: Promise<void> | undefined;
  const byId = async (id: string): Promise<Row | undefined> =>
    (await pool.query<Row>('SELECT * FROM api_keys WHERE id = $1', [id])).rows[0];
  const store: KeyStore = {
    async create(key: NewApiKey) {
      const res = await pool.query<Row>(
        `INSERT INTO api_keys (id, secret_sha256, name, scopes, model_patterns, qps, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
        [key.id, key.secretHash, key.name, JSON.stringify(key.scopes), JSON.stringify(key.modelPatterns), key.qps, Date.now()],
      );
      return toRecord(res.rows[0] as Row);
    },
    async findForVerification(id) {
      const row = await byId(id);
      return row ? { record: toRecord(row), secretHash: row.secret_sha256 } : undefined;
    },
    async list() {
      // Bounded like every answer: far more keys than any deployment issues by hand.
      const res = await pool.query<Row>('SELECT * FROM api_keys ORDER BY created_at, id LIMIT 10000');
      return res.rows.map(toRecord);
    },
    async revoke(id, at) {
      const res = await pool.query('UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [at.getTime(), id]);
      return (res.rowCount ?? 0) > 0;
    },
    async touch(id, at) {
      await pool.query('UPDATE api_keys SET last_used_at = $1 WHERE id = $2', [at.getTime(), id]);
    },
    async countActive() {
      const res = await pool.query<{ n: string }>('SELECT COUNT(*) AS n FROM api_keys WHERE revoked_at IS NULL');
      return Number(res.rows[0]?.n ?? 0);
    },
    close() {
      closing ??= pool.end().catch(() => undefined);
      return closing;
    },
  };
  // A database outage refuses calls with UNAVAILABLE (retry), not INTERNAL.
  return withPostgresOutages(store, 'the key store');
}
