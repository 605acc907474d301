/**
 * IngestionStore on PostgreSQL (`pg` via kit's `openPostgres`), for several
 * ingestion replicas sharing one database; the same contract and answers as
 * the SQLite store. Tables are prefixed `ingestion_` because the suite's
 * services may share one database.
 *
 * Concurrency: a snapshot insert and a budget spend lock the dataset's row
 * (`FOR UPDATE`), so versions are assigned 1, 2, 3 ... without gaps or
 * duplicates and two spends can never both pass the last of a budget.
 * An unreachable database answers UNAVAILABLE (kit's `withPostgresOutages`).
 */
import { openPostgres, withPostgresOutages, withTransaction, type PostgresClient, type PostgresPool } from '@l1g1/kit';
import type { DatasetRow, IngestionStore, ReviewItemRow, SnapshotRow, UploadRow } from '../../domain/ports';
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
import { POSTGRES_INGESTION_MIGRATIONS } from './postgres-schema';
import { versionTaken } from './version-taken';

export interface PostgresIngestionStoreOptions {
  /** Connection string (L1G1_DATABASE_URL). */
  url: string;
  /** Pool size (default 10). */
  maxConnections?: number;
}

type Queryable = PostgresPool | PostgresClient;

async function datasetOf(q: Queryable, name: string, lock = false): Promise<DatasetRow | undefined> {
  const r = await q.query<DatasetDbRow>(`SELECT * FROM ingestion_datasets WHERE name = $1${lock ? ' FOR UPDATE' : ''}`, [name]);
  const row = r.rows[0];
  return row ? decodeDataset(row) : undefined;
}

async function snapshotOf(q: Queryable, dataset: string, version: number): Promise<SnapshotRow | undefined> {
  const r =
    version === 0
      ? await q.query<SnapshotDbRow>('SELECT * FROM ingestion_snapshots WHERE dataset = $1 ORDER BY version DESC LIMIT 1', [dataset])
      : await q.query<SnapshotDbRow>('SELECT * FROM ingestion_snapshots WHERE dataset = $1 AND version = $2', [dataset, version]);
  const row = r.rows[0];
  return row ? decodeSnapshot(row) : undefined;
}

async function reviewOf(q: Queryable, id: string, lock = false): Promise<ReviewItemRow | undefined> {
  const r = await q.query<ReviewDbRow>(`SELECT * FROM ingestion_review_items WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  const row = r.rows[0];
  return row ? decodeReviewItem(row) : undefined;
}

async function uploadOf(q: Queryable, key: string): Promise<UploadRow | undefined> {
  const r = await q.query<{ key: string; header_fingerprint: string; dataset: string; result_json: string; created_at_ms: string }>(
    'SELECT * FROM ingestion_uploads WHERE key = $1',
    [key],
  );
  const row = r.rows[0];
  if (!row) return undefined;
  return { key: row.key, headerFingerprint: row.header_fingerprint, dataset: row.dataset, result: parseJsonColumn(row.result_json), createdAtMs: Number(row.created_at_ms) };
}

export async function openPostgresIngestionStore(options: PostgresIngestionStoreOptions): Promise<IngestionStore> {
  const pool = await openPostgres(options.url, POSTGRES_INGESTION_MIGRATIONS, {
    component: 'ingestion',
    ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
  });
  const store: IngestionStore = {
    getDataset: (name) => datasetOf(pool, name),
    async listDatasets({ query, afterName, limit }) {
      const where: string[] = [];
      const args: unknown[] = [];
      if (query) {
        args.push(likeSubstring(query));
        where.push(`lower(name) LIKE $${args.length} ESCAPE '\\'`);
      }
      if (afterName !== undefined) {
        args.push(afterName);
        where.push(`name > $${args.length}`);
      }
      args.push(limit);
      const r = await pool.query<DatasetDbRow>(
        // COLLATE "C": the same byte order as SQLite's, so keyset pages agree across stores.
        `SELECT * FROM ingestion_datasets ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY name COLLATE "C" LIMIT $${args.length}`,
        args,
      );
      return r.rows.map(decodeDataset);
    },
    async countDatasets({ query }) {
      const r = query
        ? await pool.query<{ n: string }>("SELECT COUNT(*) AS n FROM ingestion_datasets WHERE lower(name) LIKE $1 ESCAPE '\\'", [likeSubstring(query)])
        : await pool.query<{ n: string }>('SELECT COUNT(*) AS n FROM ingestion_datasets');
      return Number(r.rows[0]?.n ?? 0);
    },
    insertSnapshot(s, { nowMs, dpBudgetTotal, expectVersion }) {
      return withTransaction(pool, async (c) => {
        await c.query(
          'INSERT INTO ingestion_datasets (name, created_at_ms, updated_at_ms, dp_budget_total) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING',
          [s.dataset, nowMs, nowMs, dpBudgetTotal],
        );
        const current = await datasetOf(c, s.dataset, true);
        const version = (current?.latestVersion ?? 0) + 1;
        if (expectVersion !== undefined && expectVersion !== version) throw versionTaken(s.dataset, expectVersion);
        await c.query(
          `INSERT INTO ingestion_snapshots (dataset, version, manifest_sha256, data_sha256, record_count, size_bytes, content_sha256, origin,
             job_id, description, tags_json, counts_json, splits_json, content_types_json, metadata_keys_json, parents_json, created_at_ms, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
          [s.dataset, version, s.manifestSha256, s.dataSha256, s.recordCount, s.sizeBytes, s.contentSha256, s.origin, s.jobId, s.description,
            ...encodeSnapshotJson(s), nowMs, s.createdBy],
        );
        await c.query('UPDATE ingestion_datasets SET latest_version = $1, snapshot_count = snapshot_count + 1, updated_at_ms = $2 WHERE name = $3', [
          version,
          nowMs,
          s.dataset,
        ]);
        return (await snapshotOf(c, s.dataset, version)) as SnapshotRow;
      });
    },
    getSnapshot: (dataset, version) => snapshotOf(pool, dataset, version),
    async listSnapshots(dataset, { beforeVersion, limit }) {
      const r = await pool.query<SnapshotDbRow>(
        'SELECT * FROM ingestion_snapshots WHERE dataset = $1 AND version < $2 ORDER BY version DESC LIMIT $3',
        [dataset, beforeVersion ?? 2_147_483_647, limit],
      );
      return r.rows.map(decodeSnapshot);
    },
    getUpload: (key) => uploadOf(pool, key),
    async putUpload(row) {
      await pool.query(
        'INSERT INTO ingestion_uploads (key, header_fingerprint, dataset, result_json, created_at_ms) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO NOTHING',
        [row.key, row.headerFingerprint, row.dataset, JSON.stringify(row.result), row.createdAtMs],
      );
      return (await uploadOf(pool, row.key)) as UploadRow;
    },
    async insertReviewItems(items, nowMs) {
      if (items.length === 0) return;
      await withTransaction(pool, async (c) => {
        for (const i of items) {
          await c.query(
            `INSERT INTO ingestion_review_items (id, dataset, version, record_json, reason, given_label, predicted_label, confidence, threshold,
               model_json, job_id, state, created_at_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'pending', $12)`,
            [i.id, i.dataset, i.version, encodeRecord(i.record), i.reason, i.givenLabel, i.predictedLabel, i.confidence, i.threshold,
              JSON.stringify(i.model), i.jobId, i.createdAtMs || nowMs],
          );
        }
      });
    },
    getReviewItem: (id) => reviewOf(pool, id),
    async listReviewItems(q) {
      const args: unknown[] = [q.state ?? 'pending'];
      const where = ['state = $1'];
      const add = (sql: string, value: unknown): void => {
        args.push(value);
        where.push(`${sql} $${args.length}`);
      };
      if (q.dataset) add('dataset =', q.dataset);
      if (q.reason) add('reason =', q.reason);
      if (q.jobId) add('job_id =', q.jobId);
      if (q.afterId !== undefined) add('id COLLATE "C" >', q.afterId);
      args.push(q.limit);
      const r = await pool.query<ReviewDbRow>(
        `SELECT * FROM ingestion_review_items WHERE ${where.join(' AND ')} ORDER BY id COLLATE "C" LIMIT $${args.length}`,
        args,
      );
      return r.rows.map(decodeReviewItem);
    },
    resolveReviewItem(id, r) {
      return withTransaction(pool, async (c) => {
        const item = await reviewOf(c, id, true);
        if (!item) return undefined;
        if (item.state !== 'pending') return { item, updated: false };
        await c.query(
          "UPDATE ingestion_review_items SET state = 'resolved', decision = $1, new_label = $2, note = $3, resolved_by = $4, resolved_at_ms = $5 WHERE id = $6",
          [r.decision, r.newLabel, r.note, r.resolvedBy, r.atMs, id],
        );
        return { item: (await reviewOf(c, id)) as ReviewItemRow, updated: true };
      });
    },
    spendPrivacyBudget(s) {
      return withTransaction(pool, async (c) => {
        const d = await datasetOf(c, s.dataset, true);
        if (!d) return undefined;
        if (d.dpBudgetSpent + s.epsilon > d.dpBudgetTotal + 1e-9) return { granted: false, spent: d.dpBudgetSpent, total: d.dpBudgetTotal };
        await c.query('INSERT INTO ingestion_privacy_ledger (dataset, epsilon, query, actor, at_ms) VALUES ($1, $2, $3, $4, $5)', [
          s.dataset,
          s.epsilon,
          s.query,
          s.actor,
          s.atMs,
        ]);
        await c.query('UPDATE ingestion_datasets SET dp_budget_spent = dp_budget_spent + $1 WHERE name = $2', [s.epsilon, s.dataset]);
        return { granted: true, spent: d.dpBudgetSpent + s.epsilon, total: d.dpBudgetTotal };
      });
    },
    async listPrivacyLedger(dataset) {
      const r = await pool.query<{ id: string; dataset: string; epsilon: number; query: string; actor: string; at_ms: string }>(
        'SELECT * FROM ingestion_privacy_ledger WHERE dataset = $1 ORDER BY id',
        [dataset],
      );
      return r.rows.map((x) => ({ id: Number(x.id), dataset: x.dataset, epsilon: Number(x.epsilon), query: x.query, actor: x.actor, atMs: Number(x.at_ms) }));
    },
    async close() {
      await pool.end();
    },
  };
  return withPostgresOutages(store, 'ingestion metadata');
}
