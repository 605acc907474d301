/**
 * The registry's metadata a deployment asked for: PostgreSQL when a database
 * URL is set (replicas share the tables, and alias events wake every
 * replica's watches by LISTEN/NOTIFY), SQLite under the data directory
 * otherwise (one process, events in process).
 */
import type { Logger } from '@l1g1/kit';
import type { AliasEventFeed, RegistryStore } from '../domain/ports';
import { createInProcessAliasFeed } from './in-process-alias-feed';
import { openPostgresAliasFeed } from './postgres-alias-feed';
import { openPostgresRegistryStore } from './postgres-store';
import { createSqliteRegistryStore } from './sqlite-store';

/** A store and the feed that goes with it. */
export interface RegistryMetadata {
  store: RegistryStore;
  feed: AliasEventFeed;
  /** Ends the feed's own connection (the registry closes the store). */
  closeFeed(): Promise<void>;
}

/** Options of {@link openRegistryMetadata}. */
export interface OpenRegistryMetadataOptions {
  /** L1G1_DATABASE_URL; undefined = SQLite at `databasePath`. */
  databaseUrl: string | undefined;
  databasePath: string;
  logger: Logger;
}

export async function openRegistryMetadata(options: OpenRegistryMetadataOptions): Promise<RegistryMetadata> {
  const url = options.databaseUrl;
  if (!url) {
    return { store: createSqliteRegistryStore(options.databasePath), feed: createInProcessAliasFeed(), closeFeed: async () => undefined };
  }
  const store = await openPostgresRegistryStore({ url });
  try {
    const feed = await openPostgresAliasFeed({ url, logger: options.logger });
    return { store, feed, closeFeed: () => feed.close() };
  } catch (err) {
    await store.close();
    throw err;
  }
}
