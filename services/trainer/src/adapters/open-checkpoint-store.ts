/**
 * Picks the checkpoint rows' home like the suite's other stores: PostgreSQL
 * when `L1G1_DATABASE_URL` is set (replicas share it), else SQLite under the
 * data directory.
 */
import type { CheckpointStore } from '../domain/jobs/checkpoint-rows';
import { openPostgresCheckpointStore } from './postgres-checkpoint-store';
import { openSqliteCheckpointStore } from './sqlite-checkpoint-store';

export async function openCheckpointStore(options: { databaseUrl: string | undefined; databasePath: string }): Promise<CheckpointStore> {
  if (options.databaseUrl) return openPostgresCheckpointStore({ url: options.databaseUrl });
  return openSqliteCheckpointStore(options.databasePath);
}
