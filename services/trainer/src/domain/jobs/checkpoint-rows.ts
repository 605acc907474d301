/**
 * The rows listing a job's training checkpoints (ListCheckpoints): the bytes
 * are content-addressed in the blob store, the row says which job, step and
 * epoch they hold and what validation said then.
 */
export interface CheckpointRow {
  id: string;
  jobId: string;
  step: number;
  epoch: number;
  sha256: string;
  sizeBytes: number;
  metrics: Record<string, number>;
  best: boolean;
  createdAtMs: number;
}

/** The port the job runner and handlers use: SQLite in the embedded mode, PostgreSQL with L1G1_DATABASE_URL. */
export interface CheckpointStore {
  add(row: CheckpointRow): Promise<void>;
  get(id: string): Promise<CheckpointRow | undefined>;
  /** A job's checkpoints by step, oldest first, after the keyset cursor `afterStep`. */
  list(jobId: string, options: { afterStep?: number; afterId?: string; limit: number }): Promise<CheckpointRow[]>;
  /** The latest (highest step) checkpoint of a job. */
  latest(jobId: string): Promise<CheckpointRow | undefined>;
  close(): Promise<void>;
}
