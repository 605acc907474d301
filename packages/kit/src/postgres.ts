import { Pool, type PoolClient, type PoolConfig } from 'pg';

export type PostgresPool = Pool;
export type PostgresClient = PoolClient;

export interface OpenPostgresOptions {
  /**
   * Names this migration list, so several components (one schema each) can
   * share a database and each keep its own count of applied migrations.
   */
  component: string;
  /** Pool size; every connection is bounded (default 10). */
  maxConnections?: number;
  /** Extra pg settings (tests pass `application_name` and the like). */
  pool?: Omit<PoolConfig, 'connectionString' | 'max'>;
}

/**
 * Opens a PostgreSQL pool and applies migrations in order, the PostgreSQL twin
 * of `openSqlite`: `l1g1_migrations` records how many of a component's
 * migrations have run, so each runs once. An advisory lock held by the
 * migrating transaction makes replicas that start together migrate one at a
 * time; the others then see the new count and apply nothing.
 */
export async function openPostgres(url: string, migrations: readonly string[], options: OpenPostgresOptions): Promise<PostgresPool> {
  const pool = new Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    // A call never waits forever for a connection or a dead server.
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    ...options.pool,
  });
  // An idle client's error (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  try {
    await withTransaction(pool, async (client) => {
      // One lock for all components: even CREATE TABLE IF NOT EXISTS races when run concurrently.
      await client.query("SELECT pg_advisory_xact_lock(hashtext('l1g1_migrations'))");
      await client.query('CREATE TABLE IF NOT EXISTS l1g1_migrations (component TEXT PRIMARY KEY, applied INTEGER NOT NULL)');
      const row = await client.query<{ applied: number }>('SELECT applied FROM l1g1_migrations WHERE component = $1', [options.component]);
      const applied = row.rows[0]?.applied ?? 0;
      for (let i = applied; i < migrations.length; i++) await client.query(migrations[i] as string);
      await client.query(
        `INSERT INTO l1g1_migrations (component, applied) VALUES ($1, $2)
         ON CONFLICT (component) DO UPDATE SET applied = EXCLUDED.applied`,
        [options.component, Math.max(applied, migrations.length)],
      );
    });
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  return pool;
}

/**
 * Runs `fn` in a transaction on one pooled connection: COMMIT when it
 * resolves, ROLLBACK when it throws. The connection always returns to the pool.
 */
export async function withTransaction<T>(pool: PostgresPool, fn: (client: PostgresClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
