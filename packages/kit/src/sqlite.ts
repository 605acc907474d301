import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type SqliteDatabase = Database.Database;

/**
 * Opens (creating) an SQLite database in WAL mode and applies migrations in
 * order; `user_version` records how many have run, so each runs once.
 */
export function openSqlite(path: string, migrations: readonly string[]): SqliteDatabase {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  const applied = db.pragma('user_version', { simple: true }) as number;
  const migrate = db.transaction(() => {
    for (let i = applied; i < migrations.length; i++) {
      db.exec(migrations[i] as string);
    }
    db.pragma(`user_version = ${migrations.length}`);
  });
  migrate();
  return db;
}
