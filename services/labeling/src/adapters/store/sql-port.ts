/**
 * The little SQL surface the labeling store is written against, so one store
 * serves SQLite (embedded) and PostgreSQL (scaled) with the same statements:
 * `$1`-style parameters, TEXT/BIGINT/INTEGER columns only, and a project
 * lock that serializes the writes of one project (queue claims and
 * submissions) on PostgreSQL, where SQLite's write lock already does.
 */
export type SqlValue = string | number | null;

export interface SqlTx {
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Rows changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
  /** Holds the project's row lock until the transaction ends (no-op on SQLite). */
  lockProject(projectId: string): Promise<void>;
}

export interface SqlPort extends SqlTx {
  transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
