/**
 * AliasEventFeed across registry replicas on one PostgreSQL database. The
 * store NOTIFYs `ALIAS_EVENTS_CHANNEL` in every transaction that writes an
 * alias event; PostgreSQL delivers it on COMMIT to every replica's LISTEN
 * connection, and each wakes its WatchAliases streams, which then read the
 * new events from the shared log (watch.ts). The feed carries wake-ups only,
 * never events, so a lost notification costs latency, not correctness: after
 * a reconnect every watch is woken to re-read.
 */
import { listenPostgres, type Logger } from '@l1g1/kit';
import type { AliasEventFeed } from '../domain/ports';
import { ALIAS_EVENTS_CHANNEL } from './postgres-store';

/** A feed that also owns its LISTEN connection. */
export interface PostgresAliasFeed extends AliasEventFeed {
  close(): Promise<void>;
}

/** Options of {@link openPostgresAliasFeed}. */
export interface PostgresAliasFeedOptions {
  /** Connection string (L1G1_DATABASE_URL). */
  url: string;
  logger: Logger;
}

/** Listens for the alias events of every replica; `close` ends the LISTEN connection. */
export async function openPostgresAliasFeed(options: PostgresAliasFeedOptions): Promise<PostgresAliasFeed> {
  const listeners = new Set<() => void>();
  const wakeAll = (): void => {
    for (const listener of [...listeners]) listener();
  };
  const listener = await listenPostgres({
    url: options.url,
    channel: ALIAS_EVENTS_CHANNEL,
    logger: options.logger,
    // Any replica's commit, this one's included.
    onNotification: wakeAll,
    // Notifications may have been missed while (re)connecting: every watch re-reads.
    onConnected: wakeAll,
  });
  return {
    publish() {
      // This replica's own commit: wake its watches now rather than after the NOTIFY round trip.
      wakeAll();
    },
    subscribe(listen) {
      listeners.add(listen);
      return () => {
        listeners.delete(listen);
      };
    },
    close: () => listener.close(),
  };
}
