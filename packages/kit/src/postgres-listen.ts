/**
 * One dedicated LISTEN connection, kept alive: PostgreSQL delivers a NOTIFY
 * to every connection listening on its channel when the notifying
 * transaction commits, which is how replicas of a service wake each other.
 *
 * A pooled connection cannot listen (it is handed to other queries), so this
 * holds its own `Client`. When the connection drops it reconnects every
 * second; notifications sent meanwhile are lost, so `onConnected` runs after
 * every (re)connect and callers re-read what they follow from their tables.
 */
import { Client } from 'pg';
import type { Logger } from './logger';

/** Options of {@link listenPostgres}. */
export interface PostgresListenOptions {
  /** Connection string of the database (a dedicated connection is opened). */
  url: string;
  /** Channel name: lower-case letters, digits and underscores. */
  channel: string;
  logger: Logger;
  /** Each notification's payload ('' when the sender gave none). */
  onNotification(payload: string): void;
  /** After the first connect and every reconnect: notifications may have been missed. */
  onConnected?(): void;
  /** Wait before reconnecting (default 1000 ms). */
  reconnectDelayMs?: number;
}

/** A running LISTEN; `close` ends it and stops reconnecting. */
export interface PostgresListener {
  close(): Promise<void>;
}

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;

/** Connects and listens; resolves once listening (rejects when the first connect fails). */
export async function listenPostgres(options: PostgresListenOptions): Promise<PostgresListener> {
  const { url, channel, logger } = options;
  if (!CHANNEL.test(channel)) throw new RangeError('invalid LISTEN channel name');
  const reconnectDelayMs = options.reconnectDelayMs ?? 1000;
  let client: Client | undefined;
  let closed = false;
  let reconnect: NodeJS.Timeout | undefined;

  async function connect(): Promise<void> {
    const c = new Client({ connectionString: url });
    c.on('notification', (msg) => {
      if (msg.channel === channel) options.onNotification(msg.payload ?? '');
    });
    const retry = (err: unknown): void => {
      if (closed) return;
      logger.warn({ err, channel }, 'LISTEN connection lost; reconnecting');
      if (client === c) client = undefined;
      c.end().catch(() => undefined);
      reconnect ??= setTimeout(() => {
        reconnect = undefined;
        connect().catch(retry);
      }, reconnectDelayMs);
      reconnect.unref();
    };
    c.on('error', retry);
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
    } catch (err) {
      await c.end().catch(() => undefined);
      throw err;
    }
    if (closed) {
      // close() ran while we were connecting: nothing may keep the process alive.
      await c.end().catch(() => undefined);
      return;
    }
    client = c;
    options.onConnected?.();
  }

  await connect();
  return {
    async close() {
      closed = true;
      if (reconnect) clearTimeout(reconnect);
      reconnect = undefined;
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}
