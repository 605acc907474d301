/**
 * Benchmark results in PostgreSQL (scaled mode, `L1G1_DATABASE_URL`): the
 * twin of the SQLite store, so a run measured by one evaluator replica (a
 * Benchmark stream, a gate's latency check) is readable on every other.
 * Results are proto JSON in JSONB, in the order they were added. Its own
 * migration sequence (component `evaluator-benchmarks`).
 */
import { evaluator } from '@l1g1/contracts';
import { openPostgres, withPostgresOutages } from '@l1g1/kit';
import type { BenchmarkStore } from '../benchmark/benchmark-store';

const MIGRATIONS = [
  `CREATE TABLE evaluator_benchmark_results (seq BIGSERIAL PRIMARY KEY, run_id TEXT NOT NULL, result_json JSONB NOT NULL);
   CREATE INDEX evaluator_benchmark_results_by_run ON evaluator_benchmark_results (run_id, seq);`,
];

export async function openPostgresBenchmarkStore(url: string, options: { maxConnections?: number } = {}): Promise<BenchmarkStore> {
  const pool = await openPostgres(url, MIGRATIONS, { component: 'evaluator-benchmarks', maxConnections: options.maxConnections ?? 2 });
  const store: BenchmarkStore = {
    async add(r) {
      await pool.query('INSERT INTO evaluator_benchmark_results (run_id, result_json) VALUES ($1, $2)', [r.runId, JSON.stringify(evaluator.BenchmarkResult.toJSON(r))]);
    },
    async get(runId) {
      const rows = (await pool.query<{ result_json: unknown }>('SELECT result_json FROM evaluator_benchmark_results WHERE run_id = $1 ORDER BY seq', [runId])).rows;
      return rows.map((row) => evaluator.BenchmarkResult.fromJSON(row.result_json));
    },
    async close() {
      await pool.end();
    },
  };
  return withPostgresOutages(store, 'the evaluator benchmark database');
}
