/**
 * Checkpoint rows on PostgreSQL, chosen when `L1G1_DATABASE_URL` is set, so
 * trainer replicas sharing one database (and a trainer restarted on another
 * machine) see every job's checkpoints; the same answers as the SQLite store.
 * The table is prefixed `trainer_` because the suite's services may share one
 * database. Rows are written once and never updated. An unreachable database
 * answers UNAVAILABLE (kit's `withPostgresOutages`).
 */
import { openPostgres, withPostgresOutages } from '@l1g1/kit';
import type { CheckpointStore } from '../domain/jobs/checkpoint-rows';
import { checkpointFromDbRow, type CheckpointDbRow } from './checkpoint-row-codec';

/** Schema of the checkpoint rows (component `trainer_checkpoints` in l1g1_migrations). */
export const POSTGRES_CHECKPOINT_MIGRATIONS: readonly string[] = [
  `CREATE TABLE trainer_checkpoints (
     id TEXT PRIMARY KEY,
     job_id TEXT NOT NULL,
     step BIGINT NOT NULL,
     epoch INTEGER NOT NULL,
     sha256 TEXT NOT NULL,
     size_bytes BIGINT NOT NULL,
     metrics_json TEXT NOT NULL,
     best BOOLEAN NOT NULL,
     created_at_ms BIGINT NOT NULL
   );
   CREATE INDEX trainer_checkpoints_job_step ON trainer_checkpoints (job_id, step, id);`,
];

export interface PostgresCheckpointStoreOptions {
  /** Connection string (L1G1_DATABASE_URL). */
  url: string;
  /** Pool size (default 4: a trainer writes a row per checkpoint, rarely). */
  maxConnections?: number;
}

export async function openPostgresCheckpointStore(options: PostgresCheckpointStoreOptions): Promise<CheckpointStore> {
  const pool = await openPostgres(options.url, POSTGRES_CHECKPOINT_MIGRATIONS, { component: 'trainer_checkpoints', maxConnections: options.maxConnections ?? 4 });
  const store: CheckpointStore = {
    async add(r) {
      // ON CONFLICT DO NOTHING: a row is an immutable fact; writing it twice (a retried write) is a no-op, as on SQLite.
      await pool.query(
        `INSERT INTO trainer_checkpoints (id, job_id, step, epoch, sha256, size_bytes, metrics_json, best, created_at_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
        [r.id, r.jobId, r.step, r.epoch, r.sha256, r.sizeBytes, JSON.stringify(r.metrics), r.best, r.createdAtMs],
      );
    },
    async get(id) {
      const row = (await pool.query<CheckpointDbRow>('SELECT * FROM trainer_checkpoints WHERE id = $1', [id])).rows[0];
      return row ? checkpointFromDbRow(row) : undefined;
    },
    async list(jobId, { afterStep = -1, afterId = '', limit }) {
      // COLLATE "C": ids compare bytewise, as SQLite's keyset does, whatever the database's locale.
      const res = await pool.query<CheckpointDbRow>(
        `SELECT * FROM trainer_checkpoints WHERE job_id = $1 AND (step > $2 OR (step = $2 AND id COLLATE "C" > $3))
         ORDER BY step, id COLLATE "C" LIMIT $4`,
        [jobId, afterStep, afterId, limit],
      );
      return res.rows.map(checkpointFromDbRow);
    },
    async latest(jobId) {
      // The last row in list order (step, then id): two checkpoints can share a step (one every N steps, one on cancel).
      const res = await pool.query<CheckpointDbRow>('SELECT * FROM trainer_checkpoints WHERE job_id = $1 ORDER BY step DESC, id COLLATE "C" DESC LIMIT 1', [jobId]);
      const row = res.rows[0];
      return row ? checkpointFromDbRow(row) : undefined;
    },
    async close() {
      await pool.end();
    },
  };
  return withPostgresOutages(store, 'trainer checkpoint rows');
}
