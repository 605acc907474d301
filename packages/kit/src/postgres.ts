import { Pool, type PoolClient, type PoolConfig } from 'pg';
import { errors } from './errors';

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
  // While checked out, the client's connection errors are ours to handle: the
  // pool listens only to idle clients, and an 'error' event nobody listens to
  // (the server going away mid-transaction) would crash the process. The
  // query in flight rejects with that error anyway.
  const onError = (): void => undefined;
  client.on('error', onError);
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    // A dead connection must not go back to the pool for the next caller.
    if (isPostgresUnavailable(err)) broken = err as Error;
    throw err;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

// SQLSTATE classes meaning "no usable connection": connection exceptions,
// the server shutting down or starting, too many connections.
const UNAVAILABLE_SQLSTATE = /^(08|57P0[1-3]|53300)/;
const UNAVAILABLE_SOCKET = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);
// pg's own texts for a connection lost or never made (these errors carry no code).
const UNAVAILABLE_MESSAGE = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;

/** Whether `err` says the database cannot be reached right now (as opposed to a bad statement). */
export function isPostgresUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_SOCKET.has(code))) return true;
  return UNAVAILABLE_MESSAGE.test(err.message);
}

/**
 * Wraps every method of a store on PostgreSQL so that a database that cannot
 * be reached (down, restarting, unreachable) surfaces as UNAVAILABLE with a
 * retry hint and a stable message, not as INTERNAL: callers may retry, and the
 * address or driver text stays in the cause, which only the log sees. Other
 * errors (the store's own domain errors included) pass through unchanged.
 */
export function withPostgresOutages<S extends object>(store: S, what: string): S {
  const map = (err: unknown): unknown =>
    isPostgresUnavailable(err) ? errors.unavailable(`${what} is unavailable; retry shortly`, { reason: 'DATABASE_UNAVAILABLE', retryAfterMs: 1000, cause: err }) : err;
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(store)) {
    if (typeof value !== 'function') {
      wrapped[name] = value;
      continue;
    }
    // A store's methods take and return anything; only rejections are touched.
    const method = value as (...args: unknown[]) => unknown;
    wrapped[name] = (...args: unknown[]): unknown => {
      const result = method.apply(store, args);
      return result instanceof Promise ? result.catch((err: unknown) => Promise.reject(map(err))) : result;
    };
  }
  return wrapped as S;
}
