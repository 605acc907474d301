/**
 * Evaluation runs in PostgreSQL (scaled mode, `L1G1_DATABASE_URL`): the
 * twin of the SQLite store, so every evaluator replica sees every run.
 * Metrics, reports and predictions are JSONB columns, read whole.
 */
import { openPostgres, type JsonValue } from '@l1g1/kit';
import type { EvaluationFilter, EvaluationRow, EvaluationState, EvaluationStore } from '../domain/evaluations/evaluation-store';

const MIGRATIONS = [
  `CREATE TABLE evaluator_runs (
     run_id TEXT PRIMARY KEY,
     model_name TEXT NOT NULL,
     model_version INTEGER NOT NULL,
     precision TEXT NOT NULL,
     dataset TEXT NOT NULL,
     snapshot INTEGER NOT NULL,
     split TEXT NOT NULL,
     state TEXT NOT NULL,
     created_at_ms BIGINT NOT NULL,
     finished_at_ms BIGINT,
     trace_id TEXT NOT NULL,
     records_evaluated BIGINT NOT NULL DEFAULT 0,
     records_skipped BIGINT NOT NULL DEFAULT 0,
     metrics JSONB NOT NULL DEFAULT '{}',
     classification JSONB NOT NULL DEFAULT 'null',
     token JSONB NOT NULL DEFAULT 'null',
     predictions JSONB NOT NULL DEFAULT 'null'
   );
   CREATE INDEX evaluator_runs_by_time ON evaluator_runs (created_at_ms DESC, run_id DESC);
   CREATE INDEX evaluator_runs_by_model ON evaluator_runs (model_name, model_version);
   CREATE INDEX evaluator_runs_by_dataset ON evaluator_runs (dataset, snapshot);`,
];

interface Row {
  run_id: string;
  model_name: string;
  model_version: number;
  precision: string;
  dataset: string;
  snapshot: number;
  split: string;
  state: string;
  created_at_ms: string;
  finished_at_ms: string | null;
  trace_id: string;
  records_evaluated: string;
  records_skipped: string;
  metrics: Record<string, number>;
  classification: JsonValue;
  token: JsonValue;
  predictions: JsonValue;
}

function fromRow(r: Row): EvaluationRow {
  return {
    runId: r.run_id,
    modelName: r.model_name,
    modelVersion: r.model_version,
    precision: r.precision,
    dataset: r.dataset,
    snapshot: r.snapshot,
    split: r.split,
    state: r.state as EvaluationState,
    // BIGINT comes back as text from pg: epoch milliseconds and counts fit a double exactly.
    createdAtMs: Number(r.created_at_ms),
    finishedAtMs: r.finished_at_ms === null ? undefined : Number(r.finished_at_ms),
    traceId: r.trace_id,
    recordsEvaluated: Number(r.records_evaluated),
    recordsSkipped: Number(r.records_skipped),
    metrics: r.metrics,
    classification: r.classification,
    token: r.token,
    predictions: r.predictions,
  };
}

export async function openPostgresEvaluationStore(url: string, options: { maxConnections?: number } = {}): Promise<EvaluationStore> {
  const pool = await openPostgres(url, MIGRATIONS, { component: 'evaluator', maxConnections: options.maxConnections ?? 4 });
  return {
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
      const res = await pool.query<Row>('SELECT * FROM evaluator_runs WHERE run_id = $1', [runId]);
      const r = res.rows[0];
      return r ? fromRow(r) : undefined;
    },
    async list(filter: EvaluationFilter, limit, before) {
      const where: string[] = [];
      const args: (string | number)[] = [];
      const arg = (v: string | number): string => {
        args.push(v);
        return `$${args.length}`;
      };
      if (filter.modelName !== undefined) {
        where.push(`model_name = ${arg(filter.modelName)}`);
        if (filter.modelVersion) where.push(`model_version = ${arg(filter.modelVersion)}`);
      }
      if (filter.dataset !== undefined) {
        where.push(`dataset = ${arg(filter.dataset)}`);
        if (filter.snapshot) where.push(`snapshot = ${arg(filter.snapshot)}`);
      }
      if (filter.state !== undefined) where.push(`state = ${arg(filter.state)}`);
      if (before) where.push(`(created_at_ms, run_id) < (${arg(before.createdAtMs)}, ${arg(before.runId)})`);
      const sql = `SELECT * FROM evaluator_runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at_ms DESC, run_id DESC LIMIT ${arg(limit)}`;
      return (await pool.query<Row>(sql, args)).rows.map(fromRow);
    },
    async close() {
      await pool.end();
    },
  };
}
