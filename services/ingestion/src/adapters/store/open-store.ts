/** The metadata store a deployment asked for: PostgreSQL when a database URL is set, SQLite under the data directory otherwise. */
import type { IngestionStore } from '../../domain/ports';
import { openPostgresIngestionStore } from './postgres-store';
import { createSqliteIngestionStore } from './sqlite-store';

export async function openIngestionStore(options: { databaseUrl: string | undefined; databasePath: string }): Promise<IngestionStore> {
  if (options.databaseUrl) return openPostgresIngestionStore({ url: options.databaseUrl });
  return createSqliteIngestionStore(options.databasePath);
}
