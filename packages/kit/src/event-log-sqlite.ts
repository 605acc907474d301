/**
 * EventLog in an SQLite table: durable, usable by any service on its own
 * database. Ids come from an AUTOINCREMENT key, so they increase in commit
 * order (SQLite serialises writers) and are never reused, even after deletes.
 *
 * Watchers in this process are woken after each append; watchers whose
 * writers live in another process sharing the file see new events within
 * `pollIntervalMs`.
 */
import type { SqliteDatabase } from './sqlite';
import {
  type EventLog,
  type LoggedEvent,
  type NewEvent,
} from './event-log';
import { createLogWakeup, storedEventReaders } from './log-follow';

/** How event data is stored in the `data` column (default: JSON). */
export interface EventDataCodec<T> {
  encode(data: T): string;
  decode(text: string): T;
}

/** Options of `createSqliteEventLog`. */
export interface SqliteEventLogOptions<T> {
  db: SqliteDatabase;
  /** Table name (created when missing); letters, digits and underscores. */
  table: string;
  /** Default: JSON; the caller vouches that decoded JSON has type T. */
  codec?: EventDataCodec<T>;
  /** Clock for `atMs` (default Date.now). */
  now?: () => number;
  /** Re-read interval for writers in other processes; 0 turns polling off. Default 1000. */
  pollIntervalMs?: number;
}

/** The SQLite log; `appendSync` appends inside a transaction the caller runs. */
export interface SqliteEventLog<T> extends EventLog<T> {
  /**
   * Inserts synchronously, so it can run inside the caller's
   * `db.transaction(...)`: the event commits (or rolls back) with the
   * caller's own writes. Watchers are woken once the current synchronous
   * code, hence the transaction, has finished.
   */
  appendSync(event: NewEvent<T>): LoggedEvent<T>;
}

interface Row {
  id: number;
  key: string;
  type: string;
  at_ms: number;
  data: string;
}

function jsonCodec<T>(): EventDataCodec<T> {
  return {
    encode: (data) => JSON.stringify(data),
    // The log only ever stores what `encode` produced from a T.
    decode: (text) => JSON.parse(text) as T,
  };
}

/** Opens (creating when missing) the event log stored in `options.table`. */
export function createSqliteEventLog<T>(options: SqliteEventLogOptions<T>): SqliteEventLog<T> {
  const { db, table } = options;
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(table)) throw new RangeError(`invalid event log table name: ${table}`);
  const codec = options.codec ?? jsonCodec<T>();
  const now = options.now ?? Date.now;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  db.exec(`
    CREATE TABLE IF NOT EXISTS ${table} (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      key TEXT NOT NULL,
      type TEXT NOT NULL,
      at_ms INTEGER NOT NULL,
      data TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS ${table}_by_key ON ${table} (key, id);
  `);
  const insert = db.prepare<[string, string, number, string]>(
    `INSERT INTO ${table} (key, type, at_ms, data) VALUES (?, ?, ?, ?)`,
  );
  const readAll = db.prepare<[number, number]>(`SELECT * FROM ${table} WHERE id > ? ORDER BY id LIMIT ?`);
  const readKey = db.prepare<[string, number, number]>(
    `SELECT * FROM ${table} WHERE key = ? AND id > ? ORDER BY id LIMIT ?`,
  );
  const maxId = db.prepare(`SELECT COALESCE(MAX(id), 0) AS id FROM ${table}`);
  const wakeup = createLogWakeup();

  const fromRow = (row: Row): LoggedEvent<T> => ({
    id: row.id,
    key: row.key,
    type: row.type,
    atMs: row.at_ms,
    data: codec.decode(row.data),
  });

  function readSync(afterId: number, key: string | undefined, limit: number): LoggedEvent<T>[] {
    const rows = (key === undefined ? readAll.all(afterId, limit) : readKey.all(key, afterId, limit)) as Row[];
    return rows.map(fromRow);
  }

  function appendSync(event: NewEvent<T>): LoggedEvent<T> {
    const atMs = now();
    const info = insert.run(event.key, event.type, atMs, codec.encode(event.data));
    wakeup.notify();
    return { id: Number(info.lastInsertRowid), key: event.key, type: event.type, atMs, data: event.data };
  }

  return {
    appendSync,
    async append(event) {
      return appendSync(event);
    },
    ...storedEventReaders<T>(readSync, wakeup, pollIntervalMs),
    async lastId() {
      return (maxId.get() as { id: number }).id;
    },
  };
}
