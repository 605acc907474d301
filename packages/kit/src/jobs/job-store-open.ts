import { join } from 'node:path';
import type { Logger } from '../logger';
import type { JobStore } from './job-store';
import { openPostgresJobStore } from './job-store-postgres';
import { openSqliteJobStore } from './job-store-sqlite';

export interface OpenJobStoreOptions {
  /** L1G1_DATABASE_URL: set → PostgreSQL (replicas share the queue); unset → SQLite under dataDir. */
  databaseUrl: string | undefined;
  /** L1G1_DATA_DIR: where the SQLite file lives in the embedded mode. */
  dataDir: string;
  logger: Logger;
}

/** The job store a deployment asked for: PostgreSQL when a database URL is set, SQLite otherwise. */
export async function openJobStore(options: OpenJobStoreOptions): Promise<JobStore> {
  if (options.databaseUrl) return openPostgresJobStore({ url: options.databaseUrl, logger: options.logger });
  return openSqliteJobStore(join(options.dataDir, 'jobs.db'));
}
