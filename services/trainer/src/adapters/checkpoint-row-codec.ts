/**
 * The `checkpoints` table's row as both drivers answer it (pg returns BIGINT
 * as a string), read back into a CheckpointRow by one mapping for the SQLite
 * and PostgreSQL stores.
 */
import type { CheckpointRow } from '../domain/jobs/checkpoint-rows';

export interface CheckpointDbRow {
  id: string;
  job_id: string;
  step: number | string;
  epoch: number | string;
  sha256: string;
  size_bytes: number | string;
  metrics_json: string;
  best: number | boolean;
  created_at_ms: number | string;
}

export function checkpointFromDbRow(r: CheckpointDbRow): CheckpointRow {
  return {
    id: r.id,
    jobId: r.job_id,
    step: Number(r.step),
    epoch: Number(r.epoch),
    sha256: r.sha256,
    sizeBytes: Number(r.size_bytes),
    // Only ever written by the stores, from JSON.stringify.
    metrics: JSON.parse(r.metrics_json) as Record<string, number>,
    best: r.best === true || r.best === 1,
    createdAtMs: Number(r.created_at_ms),
  };
}
