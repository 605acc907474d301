/** Benchmark results in SQLite (`benchmarks.db` under the evaluator's data directory), as proto JSON. */
import { evaluator } from '@l1g1/contracts';
import { openSqlite } from '@l1g1/kit';
import type { BenchmarkStore } from '../benchmark/benchmark-store';

const MIGRATIONS = [
  `CREATE TABLE benchmark_results (seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, result_json TEXT NOT NULL);
   CREATE INDEX benchmark_results_by_run ON benchmark_results (run_id, seq);`,
];

export function openSqliteBenchmarkStore(path: string): BenchmarkStore {
  const db = openSqlite(path, MIGRATIONS);
  const add = db.prepare(`INSERT INTO benchmark_results (run_id, result_json) VALUES (?, ?)`);
  const get = db.prepare(`SELECT result_json FROM benchmark_results WHERE run_id = ? ORDER BY seq`);
  return {
    async add(r) {
      add.run(r.runId, JSON.stringify(evaluator.BenchmarkResult.toJSON(r)));
    },
    async get(runId) {
      return (get.all(runId) as { result_json: string }[]).map((row) => evaluator.BenchmarkResult.fromJSON(JSON.parse(row.result_json)));
    },
    async close() {
      db.close();
    },
  };
}
