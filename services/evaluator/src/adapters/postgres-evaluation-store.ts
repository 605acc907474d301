/**
 * Evaluation runs in PostgreSQL (scaled mode, `L1G1_DATABASE_URL`): the
 * twin of the SQLite store, so every evaluator replica sees every run.
 * Metrics, reports and predictions are JSONB columns, read whole. An
 * unreachable database answers UNAVAILABLE (kit's `withPostgresOutages`).
 */
import { openPostgres, withPostgresOutages, type JsonValue } from '@l1g1/kit';
import type { EvaluationStore } from '../domain/evaluations/evaluation-store';
import { fromRunColumns, listQuery, RUN_COLUMNS_SQL, type RunColumns } from './evaluation-columns';

const MIGRATIONS = [
  `CREATE TABLE evaluator_runs (
     run_id TEXT PRIMARY KEY,${RUN_COLUMNS_SQL},
     metrics JSONB NOT NULL DEFAULT '{}',
     classification JSONB NOT NULL DEFAULT 'null',
     token JSONB NOT NULL DEFAULT 'null',
     predictions JSONB NOT NULL DEFAULT 'null'
   );
   CREATE INDEX evaluator_runs_by_time ON evaluator_runs (created_at_ms DESC, run_id DESC);
   CREATE INDEX evaluator_runs_by_model ON evaluator_runs (model_name, model_version);
   CREATE INDEX evaluator_runs_by_dataset ON evaluator_runs (dataset, snapshot);`,
];

// JSONB comes back parsed.
const asIs = (value: unknown): JsonValue => value as JsonValue;

export async function openPostgresEvaluationStore(url: string, options: { maxConnections?: number } = {}): Promise<EvaluationStore> {
  const pool = await openPostgres(url, MIGRATIONS, { component: 'evaluator', maxConnections: options.maxConnections ?? 4 });
  const store: EvaluationStore = {
    async insert(row) {
      await pool.query(
        `INSERT INTO evaluator_runs (run_id, model_name, model_version, precision, dataset, snapshot, split, state, created_at_ms, trace_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (run_id) DO NOTHING`,
        [row.runId, row.modelName, row.modelVersion, row.precision, row.dataset, row.snapshot, row.split, row.state, row.createdAtMs, row.traceId],
      );
    },
    async setState(runId, state) {
      await pool.query('UPDATE evaluator_runs SET state = $1 WHERE run_id = $2 AND finished_at_ms IS NULL', [state, runId]);
    },
    async finish(runId, o) {
      await pool.query(
        `UPDATE evaluator_runs SET state = $2, finished_at_ms = $3, records_evaluated = $4, records_skipped = $5,
           metrics = $6, classification = $7, token = $8, predictions = $9 WHERE run_id = $1`,
        [runId, o.state, o.finishedAtMs ?? null, o.recordsEvaluated, o.recordsSkipped, JSON.stringify(o.metrics), JSON.stringify(o.classification), JSON.stringify(o.token), JSON.stringify(o.predictions)],
      );
    },
    async get(runId) {
      const r = (await pool.query<RunColumns>('SELECT * FROM evaluator_runs WHERE run_id = $1', [runId])).rows[0];
      return r ? fromRunColumns(r, asIs) : undefined;
    },
    async list(filter, limit, before) {
      const { sql, args } = listQuery('evaluator_runs', filter, limit, before, (n) => `$${n}`);
      return (await pool.query<RunColumns>(sql, args)).rows.map((r) => fromRunColumns(r, asIs));
    },
    async close() {
      await pool.end();
    },
  };
  return withPostgresOutages(store, 'the evaluator run database');
}
