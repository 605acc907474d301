/**
 * EventLog in a PostgreSQL table, followed across replicas by LISTEN/NOTIFY.
 * Generic (not job-specific); it lives with the job runtime until the kit's
 * other event logs (event-log-*.ts) gain a PostgreSQL twin and it can move.
 *
 * Ids come from a BIGSERIAL, but a sequence hands out ids at INSERT time, not
 * at COMMIT: a follower could read id 11 committed while id 10 is still in
 * flight, move past 10 and never see it. So every append first takes a
 * transaction-level advisory lock on the log: appends commit one at a time,
 * in id order, and "id > last seen" never skips an event.
 */
import {
  type EventLog,
  type LoggedEvent,
  type NewEvent,
} from '../event-log';
import type { Logger } from '../logger';
import { createLogWakeup, storedEventReaders } from '../log-follow';
import { withTransaction, type PostgresClient, type PostgresPool } from '../postgres';
import { listenPostgres, type PostgresListener } from '../postgres-listen';

export interface PostgresEventLogOptions {
  pool: PostgresPool;
  /** Connection string for the dedicated LISTEN connection. */
  url: string;
  /** Table (created by the owner's migrations): id BIGSERIAL, key, type, at_ms BIGINT, data TEXT. */
  table: string;
  /** NOTIFY channel; appends notify it, every replica LISTENs to it. */
  channel: string;
  logger: Logger;
  now?: () => number;
  /** Re-read this often even without a notification (a lost LISTEN connection). Default 1000. */
  pollIntervalMs?: number;
  /** Called for NOTIFY payloads other than event wake-ups on the same channel. */
  onNotification?: (payload: string) => void;
}

export interface PostgresEventLog<T> extends EventLog<T> {
  /** Appends inside the caller's transaction: the event commits (and notifies) with the caller's writes. */
  appendInTransaction(client: PostgresClient, event: NewEvent<T>): Promise<LoggedEvent<T>>;
  /** Starts listening (call once, before watching). */
  listen(): Promise<void>;
  close(): Promise<void>;
}

interface Row {
  id: string;
  key: string;
  type: string;
  at_ms: string;
  data: string;
}

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;
/** Payload meaning "an event was appended". */
export const EVENT_APPENDED = 'e';

export function createPostgresEventLog<T>(options: PostgresEventLogOptions): PostgresEventLog<T> {
  const { pool, table, channel, logger } = options;
  if (!IDENT.test(table) || !IDENT.test(channel)) throw new RangeError('invalid event log table or channel name');
  const now = options.now ?? Date.now;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const wakeup = createLogWakeup();
  let listener: PostgresListener | undefined;
  let closed = false;

  const fromRow = (r: Row): LoggedEvent<T> => ({
    id: Number(r.id),
    key: r.key,
    type: r.type,
    atMs: Number(r.at_ms),
    // Only JSON written by appendInTransaction is stored.
    data: JSON.parse(r.data) as T,
  });

  async function readRows(afterId: number, key: string | undefined, limit: number): Promise<LoggedEvent<T>[]> {
    const res =
      key === undefined
        ? await pool.query<Row>(`SELECT * FROM ${table} WHERE id > $1 ORDER BY id LIMIT $2`, [afterId, limit])
        : await pool.query<Row>(`SELECT * FROM ${table} WHERE key = $1 AND id > $2 ORDER BY id LIMIT $3`, [key, afterId, limit]);
    return res.rows.map(fromRow);
  }

  async function appendInTransaction(client: PostgresClient, event: NewEvent<T>): Promise<LoggedEvent<T>> {
    const atMs = now();
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`event_log:${table}`]);
    const res = await client.query<{ id: string }>(`INSERT INTO ${table} (key, type, at_ms, data) VALUES ($1, $2, $3, $4) RETURNING id`, [
      event.key,
      event.type,
      atMs,
      JSON.stringify(event.data),
    ]);
    // Delivered on COMMIT only, to every listening replica (this one included).
    await client.query('SELECT pg_notify($1, $2)', [channel, EVENT_APPENDED]);
    return { id: Number(res.rows[0]?.id), key: event.key, type: event.type, atMs, data: event.data };
  }

  return {
    appendInTransaction,
    async append(event) {
      return withTransaction(pool, (client) => appendInTransaction(client, event));
    },
    ...storedEventReaders<T>(readRows, wakeup, pollIntervalMs),
    async lastId() {
      const res = await pool.query<{ id: string }>(`SELECT COALESCE(MAX(id), 0) AS id FROM ${table}`);
      return Number(res.rows[0]?.id ?? 0);
    },
    async listen() {
      const started = await listenPostgres({
        url: options.url,
        channel,
        logger,
        onNotification: (payload) => {
          if (payload === EVENT_APPENDED) wakeup.notify();
          else options.onNotification?.(payload);
        },
        // Anything appended while we were not listening: let followers re-read.
        onConnected: () => {
          wakeup.notify();
          options.onNotification?.('');
        },
      });
      if (closed) await started.close();
      else listener = started;
    },
    async close() {
      closed = true;
      await listener?.close();
      listener = undefined;
    },
  };
}
