/**
 * IngestionStore on SQLite (better-sqlite3 via kit's `openSqlite`): the
 * embedded default, one process. SQLite serialises write transactions, so
 * version numbering and budget spending need no further locking.
 */
import { openSqlite, type SqliteDatabase } from '@l1g1/kit';
import type { DatasetRow, IngestionStore, NewReviewItem, ReviewItemRow, SnapshotRow, UploadRow } from '../../domain/ports';
import {
  decodeDataset,
  decodeReviewItem,
  decodeSnapshot,
  encodeRecord,
  encodeSnapshotJson,
  likeSubstring,
  parseJsonColumn,
  type DatasetDbRow,
  type ReviewDbRow,
  type SnapshotDbRow,
} from './row-codec';
import { SQLITE_INGESTION_MIGRATIONS } from './sqlite-schema';
import { versionTaken } from './version-taken';

/** Opens (creating and migrating) the store at `path` (`:memory:` for tests). */
export function createSqliteIngestionStore(path: string): IngestionStore {
  const db: SqliteDatabase = openSqlite(path, SQLITE_INGESTION_MIGRATIONS);

  const datasetOf = (name: string): DatasetRow | undefined => {
    const row = db.prepare('SELECT * FROM datasets WHERE name = ?').get(name) as DatasetDbRow | undefined;
    return row ? decodeDataset(row) : undefined;
  };
  const snapshotOf = (dataset: string, version: number): SnapshotRow | undefined => {
    const row = (
      version === 0
        ? db.prepare('SELECT * FROM snapshots WHERE dataset = ? ORDER BY version DESC LIMIT 1').get(dataset)
        : db.prepare('SELECT * FROM snapshots WHERE dataset = ? AND version = ?').get(dataset, version)
    ) as SnapshotDbRow | undefined;
    return row ? decodeSnapshot(row) : undefined;
  };
  const reviewOf = (id: string): ReviewItemRow | undefined => {
    const row = db.prepare('SELECT * FROM review_items WHERE id = ?').get(id) as ReviewDbRow | undefined;
    return row ? decodeReviewItem(row) : undefined;
  };

  const insertSnapshot = db.transaction((s: Parameters<IngestionStore['insertSnapshot']>[0], nowMs: number, dpBudgetTotal: number, expectVersion: number | undefined): SnapshotRow => {
    db.prepare('INSERT INTO datasets (name, created_at_ms, updated_at_ms, dp_budget_total) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING').run(
      s.dataset,
      nowMs,
      nowMs,
      dpBudgetTotal,
    );
    const current = datasetOf(s.dataset);
    const version = (current?.latestVersion ?? 0) + 1;
    if (expectVersion !== undefined && expectVersion !== version) throw versionTaken(s.dataset, expectVersion);
    db.prepare(
      `INSERT INTO snapshots (dataset, version, manifest_sha256, data_sha256, record_count, size_bytes, content_sha256, origin, job_id,
         description, tags_json, counts_json, splits_json, content_types_json, metadata_keys_json, parents_json, created_at_ms, created_by)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      s.dataset,
      version,
      s.manifestSha256,
      s.dataSha256,
      s.recordCount,
      s.sizeBytes,
      s.contentSha256,
      s.origin,
      s.jobId,
      s.description,
      ...encodeSnapshotJson(s),
      nowMs,
      s.createdBy,
    );
    db.prepare('UPDATE datasets SET latest_version = ?, snapshot_count = snapshot_count + 1, updated_at_ms = ? WHERE name = ?').run(version, nowMs, s.dataset);
    return snapshotOf(s.dataset, version) as SnapshotRow;
  });

  const spend = db.transaction((dataset: string, epsilon: number, query: string, actor: string, atMs: number) => {
    const d = datasetOf(dataset);
    if (!d) return undefined;
    // A tiny tolerance so that spending exactly the rest of the budget in float steps is not refused.
    if (d.dpBudgetSpent + epsilon > d.dpBudgetTotal + 1e-9) return { granted: false, spent: d.dpBudgetSpent, total: d.dpBudgetTotal };
    db.prepare('INSERT INTO privacy_ledger (dataset, epsilon, query, actor, at_ms) VALUES (?, ?, ?, ?, ?)').run(dataset, epsilon, query, actor, atMs);
    db.prepare('UPDATE datasets SET dp_budget_spent = dp_budget_spent + ? WHERE name = ?').run(epsilon, dataset);
    return { granted: true, spent: d.dpBudgetSpent + epsilon, total: d.dpBudgetTotal };
  });

  const resolve = db.transaction((id: string, r: Parameters<IngestionStore['resolveReviewItem']>[1]) => {
    const item = reviewOf(id);
    if (!item) return undefined;
    if (item.state !== 'pending') return { item, updated: false };
    db.prepare(
      "UPDATE review_items SET state = 'resolved', decision = ?, new_label = ?, note = ?, resolved_by = ?, resolved_at_ms = ? WHERE id = ?",
    ).run(r.decision, r.newLabel, r.note, r.resolvedBy, r.atMs, id);
    return { item: reviewOf(id) as ReviewItemRow, updated: true };
  });

  const insertReviews = db.transaction((items: readonly NewReviewItem[], nowMs: number) => {
    const stmt = db.prepare(
      `INSERT INTO review_items (id, dataset, version, record_json, reason, given_label, predicted_label, confidence, threshold,
         model_json, job_id, state, created_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)`,
    );
    for (const i of items) {
      stmt.run(i.id, i.dataset, i.version, encodeRecord(i.record), i.reason, i.givenLabel, i.predictedLabel, i.confidence, i.threshold,
        JSON.stringify(i.model), i.jobId, i.createdAtMs || nowMs);
    }
  });

  return {
    async getDataset(name) {
      return datasetOf(name);
    },
    async listDatasets({ query, afterName, limit }) {
      const where: string[] = [];
      const args: unknown[] = [];
      if (query) {
        where.push("lower(name) LIKE ? ESCAPE '\\'");
        args.push(likeSubstring(query));
      }
      if (afterName !== undefined) {
        where.push('name > ?');
        args.push(afterName);
      }
      const sql = `SELECT * FROM datasets ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY name LIMIT ?`;
      return (db.prepare(sql).all(...args, limit) as DatasetDbRow[]).map(decodeDataset);
    },
    async countDatasets({ query }) {
      const row = (
        query
          ? db.prepare("SELECT COUNT(*) AS n FROM datasets WHERE lower(name) LIKE ? ESCAPE '\\'").get(likeSubstring(query))
          : db.prepare('SELECT COUNT(*) AS n FROM datasets').get()
      ) as { n: number };
      return row.n;
    },
    async insertSnapshot(snapshot, { nowMs, dpBudgetTotal, expectVersion }) {
      return insertSnapshot(snapshot, nowMs, dpBudgetTotal, expectVersion);
    },
    async getSnapshot(dataset, version) {
      return snapshotOf(dataset, version);
    },
    async listSnapshots(dataset, { beforeVersion, limit }) {
      const rows = db
        .prepare('SELECT * FROM snapshots WHERE dataset = ? AND version < ? ORDER BY version DESC LIMIT ?')
        .all(dataset, beforeVersion ?? Number.MAX_SAFE_INTEGER, limit) as SnapshotDbRow[];
      return rows.map(decodeSnapshot);
    },
    async getUpload(key) {
      const row = db.prepare('SELECT * FROM uploads WHERE key = ?').get(key) as
        | { key: string; header_fingerprint: string; dataset: string; result_json: string; created_at_ms: number }
        | undefined;
      if (!row) return undefined;
      return { key: row.key, headerFingerprint: row.header_fingerprint, dataset: row.dataset, result: parseJsonColumn(row.result_json), createdAtMs: row.created_at_ms };
    },
    async putUpload(row: UploadRow) {
      db.prepare('INSERT INTO uploads (key, header_fingerprint, dataset, result_json, created_at_ms) VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING').run(
        row.key,
        row.headerFingerprint,
        row.dataset,
        JSON.stringify(row.result),
        row.createdAtMs,
      );
      return (await this.getUpload(row.key)) as UploadRow;
    },
    async insertReviewItems(items, nowMs) {
      insertReviews(items, nowMs);
    },
    async getReviewItem(id) {
      return reviewOf(id);
    },
    async listReviewItems(q) {
      const where = ['state = ?'];
      const args: unknown[] = [q.state ?? 'pending'];
      if (q.dataset) {
        where.push('dataset = ?');
        args.push(q.dataset);
      }
      if (q.reason) {
        where.push('reason = ?');
        args.push(q.reason);
      }
      if (q.jobId) {
        where.push('job_id = ?');
        args.push(q.jobId);
      }
      if (q.afterId !== undefined) {
        where.push('id > ?');
        args.push(q.afterId);
      }
      const rows = db.prepare(`SELECT * FROM review_items WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`).all(...args, q.limit) as ReviewDbRow[];
      return rows.map(decodeReviewItem);
    },
    async resolveReviewItem(id, resolution) {
      return resolve(id, resolution);
    },
    async spendPrivacyBudget(s) {
      return spend(s.dataset, s.epsilon, s.query, s.actor, s.atMs);
    },
    async listPrivacyLedger(dataset) {
      const rows = db.prepare('SELECT * FROM privacy_ledger WHERE dataset = ? ORDER BY id').all(dataset) as {
        id: number;
        dataset: string;
        epsilon: number;
        query: string;
        actor: string;
        at_ms: number;
      }[];
      return rows.map((r) => ({ id: r.id, dataset: r.dataset, epsilon: r.epsilon, query: r.query, actor: r.actor, atMs: r.at_ms }));
    },
    async close() {
      db.close();
    },
  };
}
