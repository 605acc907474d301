/**
 * Checkpoint rows in SQLite (`<dataDir>/trainer/trainer.db`), the embedded
 * default. Rows are written once and never updated: a checkpoint is an
 * immutable fact about a run.
 */
import { openSqlite } from '@l1g1/kit';
import type { CheckpointStore } from '../domain/jobs/checkpoint-rows';
import { checkpointFromDbRow, type CheckpointDbRow } from './checkpoint-row-codec';

const MIGRATIONS = [
  `CREATE TABLE checkpoints (
     id TEXT PRIMARY KEY,
     job_id TEXT NOT NULL,
     step INTEGER NOT NULL,
     epoch INTEGER NOT NULL,
     sha256 TEXT NOT NULL,
     size_bytes INTEGER NOT NULL,
     metrics_json TEXT NOT NULL,
     best INTEGER NOT NULL,
     created_at_ms INTEGER NOT NULL
   );
   CREATE INDEX checkpoints_job_step ON checkpoints (job_id, step, id);`,
];

export function openSqliteCheckpointStore(path: string): CheckpointStore {
  const db = openSqlite(path, MIGRATIONS);
  const insert = db.prepare(
    'INSERT OR IGNORE INTO checkpoints (id, job_id, step, epoch, sha256, size_bytes, metrics_json, best, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const byId = db.prepare('SELECT * FROM checkpoints WHERE id = ?');
  const page = db.prepare('SELECT * FROM checkpoints WHERE job_id = ? AND (step > ? OR (step = ? AND id > ?)) ORDER BY step, id LIMIT ?');
  // The last row in list order (step, then id): two checkpoints can share a step (one every N steps, one on cancel).
  const last = db.prepare('SELECT * FROM checkpoints WHERE job_id = ? ORDER BY step DESC, id DESC LIMIT 1');
  return {
    async add(r) {
      insert.run(r.id, r.jobId, r.step, r.epoch, r.sha256, r.sizeBytes, JSON.stringify(r.metrics), r.best ? 1 : 0, r.createdAtMs);
    },
    async get(id) {
      const r = byId.get(id) as CheckpointDbRow | undefined;
      return r ? checkpointFromDbRow(r) : undefined;
    },
    async list(jobId, { afterStep = -1, afterId = '', limit }) {
      return (page.all(jobId, afterStep, afterStep, afterId, limit) as CheckpointDbRow[]).map(checkpointFromDbRow);
    },
    async latest(jobId) {
      const r = last.get(jobId) as CheckpointDbRow | undefined;
      return r ? checkpointFromDbRow(r) : undefined;
    },
    async close() {
      db.close();
    },
  };
}
