/** Opens the labeling store the config asks for: PostgreSQL with a database URL, else SQLite under the data directory. */
import { withPostgresOutages } from '@l1g1/kit';
import type { LabelingStore } from '../../domain/ports';
import { createLabelingStore } from './labeling-store';
import { openPostgresSql } from './postgres-sql';
import { LABELING_MIGRATIONS } from './schema';
import { openSqliteSql } from './sqlite-sql';

export async function openLabelingStore(options: { databaseUrl: string | undefined; databasePath: string; maxConnections?: number }): Promise<LabelingStore> {
  if (options.databaseUrl) {
    return withPostgresOutages(createLabelingStore(await openPostgresSql(options.databaseUrl, LABELING_MIGRATIONS, options.maxConnections)), 'the labeling database');
  }
  return createLabelingStore(openSqliteSql(options.databasePath, LABELING_MIGRATIONS));
}
