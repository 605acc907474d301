/**
 * Evaluation runs in SQLite under the evaluator's data directory. Metrics,
 * reports and predictions are JSON text columns: read whole, never queried
 * inside.
 */
import { openSqlite, type JsonValue } from '@l1g1/kit';
import type { EvaluationStore } from '../domain/evaluations/evaluation-store';
import { fromRunColumns, listQuery, RUN_COLUMNS_SQL, type RunColumns } from './evaluation-columns';

const MIGRATIONS = [
  `CREATE TABLE evaluator_runs (
     run_id TEXT PRIMARY KEY,${RUN_COLUMNS_SQL},
     metrics TEXT NOT NULL DEFAULT '{}',
     classification TEXT NOT NULL DEFAULT 'null',
     token TEXT NOT NULL DEFAULT 'null',
     predictions TEXT NOT NULL DEFAULT 'null'
   );
   CREATE INDEX evaluator_runs_by_time ON evaluator_runs (created_at_ms DESC, run_id DESC);
   CREATE INDEX evaluator_runs_by_model ON evaluator_runs (model_name, model_version);
   CREATE INDEX evaluator_runs_by_dataset ON evaluator_runs (dataset, snapshot);`,
];

const parse = (value: unknown): JsonValue => JSON.parse(String(value)) as JsonValue;

export function openSqliteEvaluationStore(path: string): EvaluationStore {
  const db = openSqlite(path, MIGRATIONS);
  const insert = db.prepare(
    `INSERT OR IGNORE INTO evaluator_runs (run_id, model_name, model_version, precision, dataset, snapshot, split, state, created_at_ms, trace_id)
     VALUES (@runId, @modelName, @modelVersion, @precision, @dataset, @snapshot, @split, @state, @createdAtMs, @traceId)`,
  );
  const setState = db.prepare(`UPDATE evaluator_runs SET state = ? WHERE run_id = ? AND finished_at_ms IS NULL`);
  const finish = db.prepare(
    `UPDATE evaluator_runs SET state = @state, finished_at_ms = @finishedAtMs, records_evaluated = @recordsEvaluated, records_skipped = @recordsSkipped,
       metrics = @metrics, classification = @classification, token = @token, predictions = @predictions
     WHERE run_id = @runId`,
  );
  const get = db.prepare(`SELECT * FROM evaluator_runs WHERE run_id = ?`);
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
      const r = get.get(runId) as RunColumns | undefined;
      return r ? fromRunColumns(r, parse) : undefined;
    },
    async list(filter, limit, before) {
      const { sql, args } = listQuery('evaluator_runs', filter, limit, before, () => '?');
      return (db.prepare(sql).all(...args) as RunColumns[]).map((r) => fromRunColumns(r, parse));
    },
    async close() {
      db.close();
    },
  };
}
