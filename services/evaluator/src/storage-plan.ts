/**
 * Where each of the evaluator's stores lives: all three (evaluation runs,
 * gates with their decisions, benchmark results) in PostgreSQL when
 * `L1G1_DATABASE_URL` is set — replicas in scaled mode then share every gate,
 * decision and benchmark, not only the runs — else one SQLite file each under
 * the evaluator's data directory. A pure function of the config, so the
 * deployment check (infra/test/scaled-mode.test.ts) sees what the service
 * will open.
 */
import { join } from 'node:path';
import type { EvaluatorConfig } from './config';

/** One store's place. */
export type StoreLocation = { readonly engine: 'postgres'; readonly url: string } | { readonly engine: 'sqlite'; readonly path: string };

export interface EvaluatorStoragePlan {
  readonly runs: StoreLocation;
  readonly gates: StoreLocation;
  readonly benchmarks: StoreLocation;
}

export function evaluatorStoragePlan(config: Pick<EvaluatorConfig, 'databaseUrl' | 'databasePath' | 'evaluatorDir'>): EvaluatorStoragePlan {
  const at = (sqlitePath: string): StoreLocation => (config.databaseUrl ? { engine: 'postgres', url: config.databaseUrl } : { engine: 'sqlite', path: sqlitePath });
  return {
    runs: at(config.databasePath),
    gates: at(join(config.evaluatorDir, 'gates.db')),
    benchmarks: at(join(config.evaluatorDir, 'benchmarks.db')),
  };
}

/** Opens a store at its planned place with that engine's opener. */
export async function openAt<S>(location: StoreLocation, openPostgres: (url: string) => Promise<S>, openSqlite: (path: string) => S): Promise<S> {
  return location.engine === 'postgres' ? openPostgres(location.url) : openSqlite(location.path);
}
