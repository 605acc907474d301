import { openSqlite } from '../sqlite';
import type { ApiKeyRecord, KeyStore, NewApiKey } from './key-store';
import { isScope } from './scopes';

const MIGRATIONS = [
  `CREATE TABLE api_keys (
     id            TEXT PRIMARY KEY,
     secret_sha256 TEXT NOT NULL,
     name          TEXT NOT NULL,
     scopes        TEXT NOT NULL,
     model_patterns TEXT NOT NULL,
     qps           INTEGER NOT NULL DEFAULT 0,
     created_at    INTEGER NOT NULL,
     last_used_at  INTEGER,
     revoked_at    INTEGER
   ) STRICT;`,
];

interface Row {
  id: string;
  secret_sha256: string;
  name: string;
  scopes: string;
  model_patterns: string;
  qps: number;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

function toRecord(r: Row): ApiKeyRecord {
  return {
    id: r.id,
    name: r.name,
    scopes: (JSON.parse(r.scopes) as unknown[]).filter(isScope),
    modelPatterns: JSON.parse(r.model_patterns) as string[],
    qps: r.qps,
    createdAt: new Date(r.created_at),
    lastUsedAt: r.last_used_at === null ? undefined : new Date(r.last_used_at),
    revokedAt: r.revoked_at === null ? undefined : new Date(r.revoked_at),
  };
}

/** Keys in `<data dir>/auth/keys.db`; every process of the suite opens the same file (WAL). */
export function createSqliteKeyStore(path: string): KeyStore {
  const db = openSqlite(path, MIGRATIONS);
  const insert = db.prepare(
    `INSERT INTO api_keys (id, secret_sha256, name, scopes, model_patterns, qps, created_at)
     VALUES (@id, @secretHash, @name, @scopes, @modelPatterns, @qps, @createdAt)`,
  );
  const byId = db.prepare<[string], Row>('SELECT * FROM api_keys WHERE id = ?');
  // Bounded like every answer: far more keys than any deployment issues by hand.
  const all = db.prepare<[], Row>('SELECT * FROM api_keys ORDER BY created_at, id LIMIT 10000');
  const revoke = db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
  const touch = db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?');
  const active = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM api_keys WHERE revoked_at IS NULL');
  return {
    async create(key: NewApiKey) {
      const createdAt = Date.now();
      insert.run({
        id: key.id,
        secretHash: key.secretHash,
        name: key.name,
        scopes: JSON.stringify(key.scopes),
        modelPatterns: JSON.stringify(key.modelPatterns),
        qps: key.qps,
        createdAt,
      });
      return toRecord(byId.get(key.id)!);
    },
    async findForVerification(id) {
      const row = byId.get(id);
      return row ? { record: toRecord(row), secretHash: row.secret_sha256 } : undefined;
    },
    async list() {
      return all.all().map(toRecord);
    },
    async revoke(id, at) {
      return revoke.run(at.getTime(), id).changes > 0;
    },
    async touch(id, at) {
      touch.run(at.getTime(), id);
    },
    async countActive() {
      return active.get()?.n ?? 0;
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
