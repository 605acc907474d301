import type { Logger } from '../logger';
import type { PostgresPool } from '../postgres';

/** A clock that follows the database server's, for leases compared across machines. */
export interface DatabaseClock {
  now(): number;
  stop(): void;
}

/**
 * Leases written by one replica are compared with the clock of another, so
 * every replica reads time from the one clock they share: the database's.
 * The offset to the local clock is measured (corrected by half the round
 * trip) at start and every `resyncMs`; between measurements `now()` costs
 * nothing. A failed resync keeps the last offset.
 */
export async function createDatabaseClock(pool: PostgresPool, logger: Logger, resyncMs = 60_000): Promise<DatabaseClock> {
  let offsetMs = 0;
  const measure = async (): Promise<void> => {
    const sentAt = Date.now();
    const res = await pool.query<{ ms: string }>('SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS ms');
    const receivedAt = Date.now();
    offsetMs = Number(res.rows[0]?.ms) - (sentAt + receivedAt) / 2;
  };
  await measure();
  const timer = setInterval(() => {
    measure().catch((err: unknown) => logger.warn({ err }, 'database clock resync failed; keeping the last offset'));
  }, resyncMs);
  timer.unref();
  return {
    now: () => Math.round(Date.now() + offsetMs),
    stop: () => clearInterval(timer),
  };
}
