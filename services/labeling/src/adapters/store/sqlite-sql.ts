/**
 * SqlPort on better-sqlite3. Statements are written with PostgreSQL's `$n`
 * parameters and rewritten to `?` here. Transactions are serialized by an
 * in-process queue and run as BEGIN IMMEDIATE, so a transaction's awaits
 * never interleave with another's statements on the one connection.
 */
import { openSqlite, type SqliteDatabase } from '@l1g1/kit';
import type { SqlPort, SqlTx, SqlValue } from './sql-port';

function bind(sql: string, params: readonly SqlValue[]): { text: string; values: SqlValue[] } {
  const values: SqlValue[] = [];
  const text = sql.replace(/\$(\d+)/g, (_m, n: string) => {
    values.push(params[Number(n) - 1] ?? null);
    return '?';
  });
  return { text, values };
}

export function openSqliteSql(path: string, migrations: readonly string[]): SqlPort {
  const db: SqliteDatabase = openSqlite(path, migrations);
  const statements = new Map<string, ReturnType<SqliteDatabase['prepare']>>();
  const prepare = (text: string): ReturnType<SqliteDatabase['prepare']> => {
    let s = statements.get(text);
    if (!s) {
      s = db.prepare(text);
      // Bounded: the store issues a fixed set of statement texts.
      if (statements.size < 500) statements.set(text, s);
    }
    return s;
  };
  const tx: SqlTx = {
    async all<T>(sql: string, params: readonly SqlValue[] = []) {
      const { text, values } = bind(sql, params);
      return prepare(text).all(values) as T[];
    },
    async run(sql: string, params: readonly SqlValue[] = []) {
      const { text, values } = bind(sql, params);
      return prepare(text).run(values).changes;
    },
    async lockProject() {
      // BEGIN IMMEDIATE already holds the database's write lock.
    },
  };
  let queue: Promise<unknown> = Promise.resolve();
  return {
    ...tx,
    transaction<T>(fn: (t: SqlTx) => Promise<T>): Promise<T> {
      const run = queue.then(async () => {
        db.exec('BEGIN IMMEDIATE');
        try {
          const out = await fn(tx);
          db.exec('COMMIT');
          return out;
        } catch (err) {
          db.exec('ROLLBACK');
          throw err;
        }
      });
      queue = run.catch(() => undefined);
      return run;
    },
    async close() {
      await queue;
      db.close();
    },
  };
}
