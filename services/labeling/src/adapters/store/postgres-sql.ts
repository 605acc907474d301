/**
 * SqlPort on a PostgreSQL pool (kit's openPostgres / withTransaction). The
 * project lock is the project row's FOR UPDATE lock, which serializes one
 * project's queue claims and submissions across replicas.
 */
import { openPostgres, withTransaction, type PostgresClient, type PostgresPool } from '@l1g1/kit';
import type { SqlPort, SqlTx, SqlValue } from './sql-port';

function txOf(q: PostgresPool | PostgresClient): SqlTx {
  return {
    async all<T>(sql: string, params: readonly SqlValue[] = []) {
      const r = await q.query(sql, [...params]);
      return r.rows as T[];
    },
    async run(sql: string, params: readonly SqlValue[] = []) {
      const r = await q.query(sql, [...params]);
      return r.rowCount ?? 0;
    },
    async lockProject(projectId: string) {
      await q.query('SELECT id FROM labeling_projects WHERE id = $1 FOR UPDATE', [projectId]);
    },
  };
}

export async function openPostgresSql(url: string, migrations: readonly string[], maxConnections = 10): Promise<SqlPort> {
  const pool = await openPostgres(url, migrations, { component: 'labeling', maxConnections });
  return {
    ...txOf(pool),
    transaction: (fn) => withTransaction(pool, (client) => fn(txOf(client))),
    close: () => pool.end(),
  };
}
