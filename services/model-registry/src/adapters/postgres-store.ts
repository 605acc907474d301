/**
 * RegistryStore on PostgreSQL (`pg` via kit's `openPostgres`), for several
 * registry replicas sharing one database. Same contract and the same answers
 * as the SQLite store (one contract suite runs against both).
 *
 * SQLite serialises whole transactions; here concurrency comes from row
 * locks, taken in one order so no two transactions can deadlock:
 *   1. the alias-log advisory lock (only transactions that write alias events),
 *   2. the model's row (`FOR UPDATE`: every write that touches a model's
 *      versions, artifacts or aliases),
 *   3. rows of versions / artifacts / aliases, by the statements themselves.
 * (2) makes version numbering, variant adds, archive/delete versus alias
 * moves, and model deletion race-free per model. (1) makes alias events
 * commit one at a time: a BIGSERIAL hands out ids at INSERT, not at COMMIT,
 * so without it a watcher could read event 11 while 10 is still in flight,
 * move past 10 and never see it. It also makes "the alias's current target"
 * read after the previous move committed, so each of N parallel moves logs
 * (and answers) its own from → to.
 *
 * A database that cannot be reached answers UNAVAILABLE (retry), never
 * INTERNAL (kit's `withPostgresOutages`).
 *
 * Every alias-writing transaction also NOTIFYs `ALIAS_EVENTS_CHANNEL`;
 * PostgreSQL delivers it on COMMIT to every listening replica
 * (postgres-alias-feed.ts), whose WatchAliases streams then re-read the log.
 */
import { openPostgres, withPostgresOutages, withTransaction, type PostgresClient, type PostgresPool } from '@l1g1/kit';
import { registryErrors } from '../domain/registry-errors';
import type {
  AliasEventQuery,
  ModelPatch,
  ModelQuery,
  NewModel,
  NewVersion,
  RegistryStore,
  VersionPatch,
  VersionQuery,
} from '../domain/ports';
import type {
  AliasAction,
  AliasEventRecord,
  ArtifactRecord,
  LineageRecord,
  ModelRecord,
  Precision,
  Signature,
  VersionRecord,
  VersionStatus,
} from '../domain/types';
import { POSTGRES_REGISTRY_MIGRATIONS } from './postgres-schema';

/** NOTIFY channel of alias events; the payload is empty (listeners re-read the log). */
export const ALIAS_EVENTS_CHANNEL = 'l1g1_registry_alias_events';

/** Options of {@link openPostgresRegistryStore}. */
export interface PostgresRegistryStoreOptions {
  /** Connection string (L1G1_DATABASE_URL). */
  url: string;
  /** Pool size (default 10). */
  maxConnections?: number;
}

// pg returns BIGINT as a string (it may exceed 2^53; our ms timestamps, sizes and ids do not).
type Bigint = string;

interface ModelRow {
  name: string;
  description: string;
  task: string;
  tags: Record<string, string>;
  next_version: number;
  created_at_ms: Bigint;
  updated_at_ms: Bigint;
  latest_version: number | null;
}

interface VersionRow {
  model_name: string;
  version: number;
  status: VersionStatus;
  description: string;
  tags: Record<string, string>;
  metrics_json: string;
  lineage_json: string;
  created_at_ms: Bigint;
  created_by: string;
}

interface ArtifactRow {
  model_name: string;
  version: number;
  precision: Precision;
  format: string;
  sha256: string;
  size_bytes: Bigint;
  uri: string;
  signature_json: string;
  created_at_ms: Bigint;
}

interface AliasRow {
  model_name: string;
  alias: string;
  version: number;
}

interface AliasEventRow {
  event_id: Bigint;
  model_name: string;
  alias: string;
  action: AliasAction;
  from_version: number;
  to_version: number;
  actor: string;
  at_ms: Bigint;
}

/** Anything that runs a query: the pool (one statement) or a transaction's client. */
type Queryable = PostgresPool | PostgresClient;

// JSON columns are written only by this file, from the typed records, so
// parsing them back to those types is safe (JSONB arrives parsed).
const parseMetrics = (json: string): Record<string, number> => JSON.parse(json) as Record<string, number>;
const parseLineage = (json: string): LineageRecord => JSON.parse(json) as LineageRecord;
const parseSignature = (json: string): Signature => JSON.parse(json) as Signature;

/** Applies a tag patch: an empty value removes the key. */
function mergeTags(current: Record<string, string>, patch: Record<string, string>): Record<string, string> {
  const out = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === '') delete out[key];
    else out[key] = value;
  }
  return out;
}

/** Case folding shared with the SQLite store (JavaScript's, not the database locale's). */
const fold = (text: string): string => text.toLowerCase();

const PRECISION_ORDER = `CASE precision WHEN 'FP32' THEN 0 WHEN 'FP16' THEN 1 ELSE 2 END`;
const MODEL_SELECT = `SELECT m.*, (SELECT MAX(v.version) FROM versions v WHERE v.model_name = m.name) AS latest_version
  FROM models m`;
// $1 folded query ('' = all), $2 tag filter (JSONB).
const MODEL_FILTER = `($1 = '' OR strpos(m.name_folded, $1) > 0 OR strpos(m.description_folded, $1) > 0)
  AND m.tags @> $2::jsonb`;
// $1 model, $2 include archived, $3 tag filter, $4 dataset name or NULL, $5 snapshot (0 = any).
const VERSION_FILTER = `v.model_name = $1
  AND ($2 OR v.status = 'READY')
  AND v.tags @> $3::jsonb
  AND ($4::text IS NULL OR v.dataset_name = $4)
  AND ($5 = 0 OR v.dataset_snapshot = $5)`;

const toEvent = (row: AliasEventRow): AliasEventRecord => ({
  eventId: Number(row.event_id),
  modelName: row.model_name,
  alias: row.alias,
  action: row.action,
  fromVersion: row.from_version,
  toVersion: row.to_version,
  actor: row.actor,
  atMs: Number(row.at_ms),
});

const toArtifact = (row: ArtifactRow): ArtifactRecord => ({
  precision: row.precision,
  format: row.format,
  sha256: row.sha256,
  sizeBytes: Number(row.size_bytes),
  uri: row.uri,
  signature: parseSignature(row.signature_json),
  createdAtMs: Number(row.created_at_ms),
});

function toModel(row: ModelRow, aliases: Record<string, number>): ModelRecord {
  return {
    name: row.name,
    description: row.description,
    task: row.task,
    tags: row.tags,
    createdAtMs: Number(row.created_at_ms),
    updatedAtMs: Number(row.updated_at_ms),
    latestVersion: row.latest_version ?? 0,
    aliases,
  };
}

function toVersion(row: VersionRow, artifacts: ArtifactRecord[], aliases: string[]): VersionRecord {
  return {
    modelName: row.model_name,
    version: row.version,
    status: row.status,
    description: row.description,
    tags: row.tags,
    metrics: parseMetrics(row.metrics_json),
    lineage: parseLineage(row.lineage_json),
    artifacts,
    aliases,
    createdAtMs: Number(row.created_at_ms),
    createdBy: row.created_by,
  };
}

/** Opens the pool and applies the registry's migrations. */
export async function openPostgresRegistryStore(options: PostgresRegistryStoreOptions): Promise<RegistryStore> {
  const pool = await openPostgres(options.url, POSTGRES_REGISTRY_MIGRATIONS, {
    component: 'l1g1_registry',
    ...(options.maxConnections !== undefined ? { maxConnections: options.maxConnections } : {}),
  });
  let closing: Promise<void> | undefined;

  const tx = <R>(fn: (c: PostgresClient) => Promise<R>): Promise<R> => withTransaction(pool, fn);
  /** A read-only transaction on one snapshot: a page, its count and its related rows agree. */
  const snapshot = <R>(fn: (c: PostgresClient) => Promise<R>): Promise<R> =>
    withTransaction(pool, async (c) => {
      await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      return fn(c);
    });

  async function modelRow(q: Queryable, name: string, lock = false): Promise<ModelRow | undefined> {
    const res = await q.query<ModelRow>(`${MODEL_SELECT} WHERE m.name = $1${lock ? ' FOR UPDATE OF m' : ''}`, [name]);
    return res.rows[0];
  }

  async function loadModel(q: Queryable, name: string): Promise<ModelRecord | undefined> {
    const row = await modelRow(q, name);
    if (!row) return undefined;
    const aliases: Record<string, number> = {};
    const res = await q.query<AliasRow>('SELECT alias, version FROM aliases WHERE model_name = $1 ORDER BY alias', [name]);
    for (const a of res.rows) aliases[a.alias] = a.version;
    return toModel(row, aliases);
  }

  /** Locks the model's row for the rest of the transaction (lock order step 2). */
  async function lockModel(c: PostgresClient, name: string): Promise<ModelRow> {
    const row = await modelRow(c, name, true);
    if (!row) throw registryErrors.modelNotFound(name);
    return row;
  }

  async function versionRow(q: Queryable, name: string, version: number): Promise<VersionRow | undefined> {
    const res = await q.query<VersionRow>('SELECT * FROM versions WHERE model_name = $1 AND version = $2', [name, version]);
    return res.rows[0];
  }

  /** Locks the model, then returns the version's row or the NOT_FOUND naming what is missing. */
  async function lockVersion(c: PostgresClient, name: string, version: number): Promise<VersionRow> {
    await lockModel(c, name);
    const row = await versionRow(c, name, version);
    if (!row) throw registryErrors.versionNotFound(name, version);
    return row;
  }

  async function aliasesOf(q: Queryable, name: string, version: number): Promise<string[]> {
    const res = await q.query<{ alias: string }>('SELECT alias FROM aliases WHERE model_name = $1 AND version = $2 ORDER BY alias', [
      name,
      version,
    ]);
    return res.rows.map((a) => a.alias);
  }

  async function loadVersion(q: Queryable, name: string, version: number): Promise<VersionRecord | undefined> {
    const row = await versionRow(q, name, version);
    if (!row) return undefined;
    const artifacts = await q.query<ArtifactRow>(
      `SELECT * FROM artifacts WHERE model_name = $1 AND version = $2 ORDER BY ${PRECISION_ORDER}`,
      [name, version],
    );
    return toVersion(row, artifacts.rows.map(toArtifact), await aliasesOf(q, name, version));
  }

  /** Lock order step 1: alias events commit one at a time, in id order. */
  async function lockAliasLog(c: PostgresClient): Promise<void> {
    await c.query("SELECT pg_advisory_xact_lock(hashtext('l1g1_registry_alias_events'))");
  }

  async function recordEvent(c: PostgresClient, e: Omit<AliasEventRecord, 'eventId'>): Promise<AliasEventRecord> {
    const res = await c.query<{ event_id: Bigint }>(
      `INSERT INTO alias_events (model_name, alias, action, from_version, to_version, actor, at_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING event_id`,
      [e.modelName, e.alias, e.action, e.fromVersion, e.toVersion, e.actor, e.atMs],
    );
    // Delivered on COMMIT only, to every listening replica (this one included).
    await c.query('SELECT pg_notify($1, $2)', [ALIAS_EVENTS_CHANNEL, '']);
    return { eventId: Number(res.rows[0]?.event_id), ...e };
  }

  async function insertModelRow(c: PostgresClient, model: NewModel, nowMs: number): Promise<boolean> {
    const res = await c.query(
      `INSERT INTO models (name, description, task, tags, name_folded, description_folded, next_version, created_at_ms, updated_at_ms)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, 1, $7, $7) ON CONFLICT (name) DO NOTHING`,
      [model.name, model.description, model.task, JSON.stringify(model.tags), fold(model.name), fold(model.description), nowMs],
    );
    return (res.rowCount ?? 0) > 0;
  }

  async function insertArtifactRow(c: PostgresClient, modelName: string, version: number, a: ArtifactRecord): Promise<void> {
    await c.query(
      `INSERT INTO artifacts (model_name, version, precision, format, sha256, size_bytes, uri, signature_json, created_at_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [modelName, version, a.precision, a.format, a.sha256, a.sizeBytes, a.uri, JSON.stringify(a.signature), a.createdAtMs],
    );
  }

  const touchModel = (c: PostgresClient, name: string, nowMs: number): Promise<unknown> =>
    c.query('UPDATE models SET updated_at_ms = $1 WHERE name = $2', [nowMs, name]);

  const store: RegistryStore = {
    createModel: (model, nowMs) =>
      tx(async (c) => {
        // ON CONFLICT: two replicas creating one name at once get one model and one ALREADY_EXISTS.
        if (!(await insertModelRow(c, model, nowMs))) throw registryErrors.modelExists(model.name);
        return (await loadModel(c, model.name)) as ModelRecord;
      }),

    getModel: (name) => loadModel(pool, name),

    listModels: (query: ModelQuery) =>
      snapshot(async (c) => {
        const filter = [fold(query.query), JSON.stringify(query.tags)];
        const rows = await c.query<ModelRow>(
          `${MODEL_SELECT} WHERE ${MODEL_FILTER} AND ($3::text IS NULL OR m.name > $3) ORDER BY m.name LIMIT $4`,
          [...filter, query.after ?? null, query.limit],
        );
        const aliases = new Map<string, Record<string, number>>(rows.rows.map((r) => [r.name, {}]));
        const aliasRows = await c.query<AliasRow>('SELECT model_name, alias, version FROM aliases WHERE model_name = ANY($1) ORDER BY alias', [
          rows.rows.map((r) => r.name),
        ]);
        for (const a of aliasRows.rows) {
          const map = aliases.get(a.model_name);
          if (map) map[a.alias] = a.version;
        }
        const total = await c.query<{ n: Bigint }>(`SELECT COUNT(*) AS n FROM models m WHERE ${MODEL_FILTER}`, filter);
        return { items: rows.rows.map((r) => toModel(r, aliases.get(r.name) ?? {})), total: Number(total.rows[0]?.n ?? 0) };
      }),

    updateModel: (name, patch: ModelPatch, nowMs) =>
      tx(async (c) => {
        const current = await lockModel(c, name);
        const description = patch.description ?? current.description;
        await c.query(
          `UPDATE models SET description = $2, task = $3, tags = $4::jsonb, description_folded = $5, updated_at_ms = $6 WHERE name = $1`,
          [name, description, patch.task ?? current.task, JSON.stringify(mergeTags(current.tags, patch.tags)), fold(description), nowMs],
        );
        return (await loadModel(c, name)) as ModelRecord;
      }),

    deleteModel: (name, actor, nowMs) =>
      tx(async (c) => {
        await lockAliasLog(c);
        await lockModel(c, name);
        const aliasRows = await c.query<AliasRow>('SELECT alias, version FROM aliases WHERE model_name = $1 ORDER BY alias', [name]);
        const events: AliasEventRecord[] = [];
        for (const a of aliasRows.rows) {
          events.push(
            await recordEvent(c, { modelName: name, alias: a.alias, action: 'REMOVED', fromVersion: a.version, toVersion: 0, actor, atMs: nowMs }),
          );
        }
        const shas = await c.query<{ sha256: string }>('SELECT sha256 FROM artifacts WHERE model_name = $1', [name]);
        await c.query('DELETE FROM aliases WHERE model_name = $1', [name]);
        await c.query('DELETE FROM artifacts WHERE model_name = $1', [name]);
        const deleted = await c.query('DELETE FROM versions WHERE model_name = $1', [name]);
        await c.query('DELETE FROM models WHERE name = $1', [name]);
        return { sha256s: shas.rows.map((r) => r.sha256), deletedVersions: deleted.rowCount ?? 0, events };
      }),

    insertVersion: (v: NewVersion, nowMs, createModel) =>
      tx(async (c) => {
        let model = await modelRow(c, v.modelName, true);
        if (!model) {
          if (!createModel) throw registryErrors.modelNotFound(v.modelName);
          // A concurrent creator may win the insert; either way the row exists now, and we lock it.
          await insertModelRow(c, createModel, nowMs);
          model = await lockModel(c, v.modelName);
        }
        const version = model.next_version;
        await c.query(
          `INSERT INTO versions (model_name, version, status, description, tags, metrics_json, lineage_json,
             dataset_name, dataset_snapshot, created_at_ms, created_by)
           VALUES ($1, $2, 'READY', $3, $4::jsonb, $5, $6, $7, $8, $9, $10)`,
          [
            v.modelName,
            version,
            v.description,
            JSON.stringify(v.tags),
            JSON.stringify(v.metrics),
            JSON.stringify(v.lineage),
            v.lineage.dataset?.name ?? null,
            v.lineage.dataset?.snapshot ?? null,
            nowMs,
            v.createdBy,
          ],
        );
        await insertArtifactRow(c, v.modelName, version, v.artifact);
        await c.query('UPDATE models SET next_version = $1, updated_at_ms = $2 WHERE name = $3', [version + 1, nowMs, v.modelName]);
        return (await loadVersion(c, v.modelName, version)) as VersionRecord;
      }),

    insertVariant: (modelName, version, artifact, nowMs) =>
      tx(async (c) => {
        await lockVersion(c, modelName, version);
        const existing = await c.query('SELECT 1 FROM artifacts WHERE model_name = $1 AND version = $2 AND precision = $3', [
          modelName,
          version,
          artifact.precision,
        ]);
        if ((existing.rowCount ?? 0) > 0) throw registryErrors.precisionExists(modelName, version, artifact.precision);
        await insertArtifactRow(c, modelName, version, artifact);
        await touchModel(c, modelName, nowMs);
        return (await loadVersion(c, modelName, version)) as VersionRecord;
      }),

    getVersion: (name, version) => loadVersion(pool, name, version),

    listVersions: (query: VersionQuery) =>
      snapshot(async (c) => {
        const filter = [query.modelName, query.includeArchived, JSON.stringify(query.tags), query.dataset?.name ?? null, query.dataset?.snapshot ?? 0];
        const rows = await c.query<VersionRow>(
          `SELECT v.* FROM versions v WHERE ${VERSION_FILTER} AND ($6::int IS NULL OR v.version > $6) ORDER BY v.version LIMIT $7`,
          [...filter, query.after ?? null, query.limit],
        );
        const numbers = rows.rows.map((r) => r.version);
        const artifacts = new Map<number, ArtifactRecord[]>(numbers.map((n) => [n, []]));
        const artifactRows = await c.query<ArtifactRow>(
          `SELECT * FROM artifacts WHERE model_name = $1 AND version = ANY($2) ORDER BY version, ${PRECISION_ORDER}`,
          [query.modelName, numbers],
        );
        for (const a of artifactRows.rows) artifacts.get(a.version)?.push(toArtifact(a));
        const aliases = new Map<number, string[]>(numbers.map((n) => [n, []]));
        const aliasRows = await c.query<AliasRow>('SELECT alias, version FROM aliases WHERE model_name = $1 AND version = ANY($2) ORDER BY alias', [
          query.modelName,
          numbers,
        ]);
        for (const a of aliasRows.rows) aliases.get(a.version)?.push(a.alias);
        const total = await c.query<{ n: Bigint }>(`SELECT COUNT(*) AS n FROM versions v WHERE ${VERSION_FILTER}`, filter);
        return {
          items: rows.rows.map((r) => toVersion(r, artifacts.get(r.version) ?? [], aliases.get(r.version) ?? [])),
          total: Number(total.rows[0]?.n ?? 0),
        };
      }),

    updateVersion: (name, version, patch: VersionPatch) =>
      tx(async (c) => {
        const row = await lockVersion(c, name, version);
        await c.query('UPDATE versions SET description = $3, tags = $4::jsonb, metrics_json = $5 WHERE model_name = $1 AND version = $2', [
          name,
          version,
          patch.description ?? row.description,
          JSON.stringify(mergeTags(row.tags, patch.tags)),
          JSON.stringify({ ...parseMetrics(row.metrics_json), ...patch.metrics }),
        ]);
        return (await loadVersion(c, name, version)) as VersionRecord;
      }),

    archiveVersion: (name, version) =>
      tx(async (c) => {
        const row = await lockVersion(c, name, version);
        if (row.status !== 'ARCHIVED') {
          const aliases = await aliasesOf(c, name, version);
          if (aliases.length > 0) throw registryErrors.versionAliased(name, version, aliases, 'archive');
          await c.query(`UPDATE versions SET status = 'ARCHIVED' WHERE model_name = $1 AND version = $2`, [name, version]);
        }
        return (await loadVersion(c, name, version)) as VersionRecord;
      }),

    deleteVersion: (name, version, nowMs) =>
      tx(async (c) => {
        await lockVersion(c, name, version);
        const aliases = await aliasesOf(c, name, version);
        if (aliases.length > 0) throw registryErrors.versionAliased(name, version, aliases, 'delete');
        const shas = await c.query<{ sha256: string }>('SELECT sha256 FROM artifacts WHERE model_name = $1 AND version = $2', [name, version]);
        await c.query('DELETE FROM artifacts WHERE model_name = $1 AND version = $2', [name, version]);
        await c.query('DELETE FROM versions WHERE model_name = $1 AND version = $2', [name, version]);
        await touchModel(c, name, nowMs);
        return { sha256s: shas.rows.map((r) => r.sha256) };
      }),

    setAlias: (name, alias, version, actor, nowMs) =>
      tx(async (c) => {
        await lockAliasLog(c);
        const row = await lockVersion(c, name, version);
        if (row.status === 'ARCHIVED') throw registryErrors.versionArchived(name, version, alias);
        const current = (await c.query<{ version: number }>('SELECT version FROM aliases WHERE model_name = $1 AND alias = $2', [name, alias]))
          .rows[0];
        const unchanged = current?.version === version;
        if (!unchanged) {
          await c.query(
            `INSERT INTO aliases (model_name, alias, version) VALUES ($1, $2, $3)
             ON CONFLICT (model_name, alias) DO UPDATE SET version = EXCLUDED.version`,
            [name, alias, version],
          );
        }
        return recordEvent(c, {
          modelName: name,
          alias,
          action: unchanged ? 'UNCHANGED' : current ? 'MOVED' : 'SET',
          fromVersion: current?.version ?? 0,
          toVersion: version,
          actor,
          atMs: nowMs,
        });
      }),

    deleteAlias: (name, alias, actor, nowMs) =>
      tx(async (c) => {
        await lockAliasLog(c);
        await lockModel(c, name);
        const removed = await c.query<{ version: number }>('DELETE FROM aliases WHERE model_name = $1 AND alias = $2 RETURNING version', [
          name,
          alias,
        ]);
        const current = removed.rows[0];
        if (!current) throw registryErrors.aliasNotFound(name, alias);
        return recordEvent(c, { modelName: name, alias, action: 'REMOVED', fromVersion: current.version, toVersion: 0, actor, atMs: nowMs });
      }),

    listAliasEvents: (query: AliasEventQuery) =>
      snapshot(async (c) => {
        const model = query.modelName ?? null;
        const rows = await c.query<AliasEventRow>(
          `SELECT * FROM alias_events WHERE ($1::text IS NULL OR model_name = $1) AND ($2::bigint IS NULL OR event_id > $2)
           ORDER BY event_id LIMIT $3`,
          [model, query.after ?? null, query.limit],
        );
        const total = await c.query<{ n: Bigint }>('SELECT COUNT(*) AS n FROM alias_events WHERE ($1::text IS NULL OR model_name = $1)', [model]);
        return { items: rows.rows.map(toEvent), total: Number(total.rows[0]?.n ?? 0) };
      }),

    aliasEventsAfter: async (afterEventId, modelName, limit) => {
      const res = await pool.query<AliasEventRow>(
        `SELECT * FROM alias_events WHERE ($1::text IS NULL OR model_name = $1) AND event_id > $2 ORDER BY event_id LIMIT $3`,
        [modelName ?? null, afterEventId, limit],
      );
      return res.rows.map(toEvent);
    },

    hasAliasEvents: async (name) => ((await pool.query('SELECT 1 FROM alias_events WHERE model_name = $1 LIMIT 1', [name])).rowCount ?? 0) > 0,

    isBlobReferenced: async (sha256) => ((await pool.query('SELECT 1 FROM artifacts WHERE sha256 = $1 LIMIT 1', [sha256])).rowCount ?? 0) > 0,

    close() {
      closing ??= pool.end().catch(() => undefined);
      return closing;
    },
  };
  return withPostgresOutages(store, 'the registry database');
}
