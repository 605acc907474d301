/**
 * Evaluation runs in SQLite under the evaluator's data directory. Metrics,
 * reports and predictions are JSON columns: they are read whole, never
 * queried inside.
 */
import { openSqlite, type JsonValue } from '@l1g1/kit';
import type { EvaluationFilter, EvaluationRow, EvaluationState, EvaluationStore } from '../domain/evaluations/evaluation-store';

const MIGRATIONS = [
  `CREATE TABLE evaluations (
     run_id TEXT PRIMARY KEY,
     model_name TEXT NOT NULL,
     model_version INTEGER NOT NULL,
     precision TEXT NOT NULL,
     dataset TEXT NOT NULL,
     snapshot INTEGER NOT NULL,
     split TEXT NOT NULL,
     state TEXT NOT NULL,
     created_at_ms INTEGER NOT NULL,
     finished_at_ms INTEGER,
     trace_id TEXT NOT NULL,
     records_evaluated INTEGER NOT NULL DEFAULT 0,
     records_skipped INTEGER NOT NULL DEFAULT 0,
     metrics_json TEXT NOT NULL DEFAULT '{}',
     classification_json TEXT NOT NULL DEFAULT 'null',
     token_json TEXT NOT NULL DEFAULT 'null',
     predictions_json TEXT NOT NULL DEFAULT 'null'
   );
   CREATE INDEX evaluations_by_time ON evaluations (created_at_ms DESC, run_id DESC);
   CREATE INDEX evaluations_by_model ON evaluations (model_name, model_version);
   CREATE INDEX evaluations_by_dataset ON evaluations (dataset, snapshot);`,
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
  created_at_ms: number;
  finished_at_ms: number | null;
  trace_id: string;
  records_evaluated: number;
  records_skipped: number;
  metrics_json: string;
  classification_json: string;
  token_json: string;
  predictions_json: string;
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
    createdAtMs: r.created_at_ms,
    finishedAtMs: r.finished_at_ms ?? undefined,
    traceId: r.trace_id,
    recordsEvaluated: r.records_evaluated,
    recordsSkipped: r.records_skipped,
    metrics: JSON.parse(r.metrics_json) as Record<string, number>,
    classification: JSON.parse(r.classification_json) as JsonValue,
    token: JSON.parse(r.token_json) as JsonValue,
    predictions: JSON.parse(r.predictions_json) as JsonValue,
  };
}

export function openSqliteEvaluationStore(path: string): EvaluationStore {
  const db = openSqlite(path, MIGRATIONS);
  const insert = db.prepare(
    `INSERT OR IGNORE INTO evaluations (run_id, model_name, model_version, precision, dataset, snapshot, split, state, created_at_ms, trace_id)
     VALUES (@runId, @modelName, @modelVersion, @precision, @dataset, @snapshot, @split, @state, @createdAtMs, @traceId)`,
  );
  const setState = db.prepare(`UPDATE evaluations SET state = ? WHERE run_id = ? AND finished_at_ms IS NULL`);
  const finish = db.prepare(
    `UPDATE evaluations SET state = @state, finished_at_ms = @finishedAtMs, records_evaluated = @recordsEvaluated, records_skipped = @recordsSkipped,
       metrics_json = @metrics, classification_json = @classification, token_json = @token, predictions_json = @predictions
     WHERE run_id = @runId`,
  );
  const get = db.prepare(`SELECT * FROM evaluations WHERE run_id = ?`);
  return {
    async insert(row) {
      insert.run({ ...row });
    },
    async setState(runId, state) {
      setState.run(state, runId);
    },
    async finish(runId, o) {
      finish.run({
        runId,
        state: o.state,
        finishedAtMs: o.finishedAtMs ?? null,
        recordsEvaluated: o.recordsEvaluated,
        recordsSkipped: o.recordsSkipped,
        metrics: JSON.stringify(o.metrics),
        classification: JSON.stringify(o.classification),
        token: JSON.stringify(o.token),
        predictions: JSON.stringify(o.predictions),
      });
    },
    async get(runId) {
      const r = get.get(runId) as Row | undefined;
      return r ? fromRow(r) : undefined;
    },
    async list(filter: EvaluationFilter, limit, before) {
      const where: string[] = [];
      const args: (string | number)[] = [];
      if (filter.modelName !== undefined) {
        where.push('model_name = ?');
        args.push(filter.modelName);
        if (filter.modelVersion) {
          where.push('model_version = ?');
          args.push(filter.modelVersion);
        }
      }
      if (filter.dataset !== undefined) {
        where.push('dataset = ?');
        args.push(filter.dataset);
        if (filter.snapshot) {
          where.push('snapshot = ?');
          args.push(filter.snapshot);
        }
      }
      if (filter.state !== undefined) {
        where.push('state = ?');
        args.push(filter.state);
      }
      if (before) {
        where.push('(created_at_ms < ? OR (created_at_ms = ? AND run_id < ?))');
        args.push(before.createdAtMs, before.createdAtMs, before.runId);
      }
      const sql = `SELECT * FROM evaluations ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at_ms DESC, run_id DESC LIMIT ?`;
      return (db.prepare(sql).all(...args, limit) as Row[]).map(fromRow);
    },
    async close() {
      db.close();
    },
  };
}
