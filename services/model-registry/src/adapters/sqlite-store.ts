/**
 * RegistryStore on SQLite (better-sqlite3 via kit's `openSqlite`): the
 * one-machine default. better-sqlite3 is synchronous, so each method's
 * transaction runs to completion without interleaving with any other request
 * of this process; that is what makes version numbering and alias moves
 * race-free here. A PostgreSQL store gets the same guarantees from row locks.
 */
import { openSqlite, type SqliteDatabase } from '@l1g1/kit';
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
import { REGISTRY_MIGRATIONS } from './sqlite-schema';

interface ModelRow {
  name: string;
  description: string;
  task: string;
  tags_json: string;
  next_version: number;
  created_at_ms: number;
  updated_at_ms: number;
  latest_version: number | null;
}

interface VersionRow {
  model_name: string;
  version: number;
  status: VersionStatus;
  description: string;
  tags_json: string;
  metrics_json: string;
  lineage_json: string;
  created_at_ms: number;
  created_by: string;
}

interface ArtifactRow {
  model_name: string;
  version: number;
  precision: Precision;
  format: string;
  sha256: string;
  size_bytes: number;
  uri: string;
  signature_json: string;
  created_at_ms: number;
}

interface AliasRow {
  model_name: string;
  alias: string;
  version: number;
}

interface AliasEventRow {
  event_id: number;
  model_name: string;
  alias: string;
  action: AliasAction;
  from_version: number;
  to_version: number;
  actor: string;
  at_ms: number;
}

// JSON columns are written only by this file, from the typed records below,
// so parsing them back to those types is safe.
const parseTags = (json: string): Record<string, string> => JSON.parse(json) as Record<string, string>;
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

const PRECISION_ORDER = `CASE precision WHEN 'FP32' THEN 0 WHEN 'FP16' THEN 1 ELSE 2 END`;

// "Every filter pair is among the row's tags", as one static statement: no
// filter pair for which no matching tag exists.
const TAGS_MATCH = (column: string): string => `NOT EXISTS (
  SELECT 1 FROM json_each(@tagFilter) AS f
  WHERE NOT EXISTS (SELECT 1 FROM json_each(${column}) AS t WHERE t.key = f.key AND t.value = f.value))`;

const MODEL_SELECT = `SELECT m.*, (SELECT MAX(v.version) FROM versions v WHERE v.model_name = m.name) AS latest_version
  FROM models m`;
const MODEL_FILTER = `(@query = '' OR instr(unicode_lower(m.name), unicode_lower(@query)) > 0
    OR instr(unicode_lower(m.description), unicode_lower(@query)) > 0)
  AND ${TAGS_MATCH('m.tags_json')}`;
const VERSION_FILTER = `v.model_name = @modelName
  AND (@includeArchived = 1 OR v.status = 'READY')
  AND ${TAGS_MATCH('v.tags_json')}
  AND (@datasetName IS NULL OR v.dataset_name = @datasetName)
  AND (@datasetSnapshot = 0 OR v.dataset_snapshot = @datasetSnapshot)`;
const EVENT_FILTER = `(@modelName IS NULL OR model_name = @modelName)`;

/** Opens (creating and migrating) the registry database at `path` (':memory:' for tests). */
export function createSqliteRegistryStore(path: string): RegistryStore {
  const db: SqliteDatabase = openSqlite(path, REGISTRY_MIGRATIONS);
  // SQLite's lower() only folds ASCII; descriptions are free text.
  db.function('unicode_lower', { deterministic: true }, (value: unknown) =>
    typeof value === 'string' ? value.toLowerCase() : value,
  );

  const stmt = {
    modelByName: db.prepare(`${MODEL_SELECT} WHERE m.name = ?`),
    aliasesOfModel: db.prepare(`SELECT alias, version FROM aliases WHERE model_name = ? ORDER BY alias`),
    aliasesOfModels: db.prepare(
      `SELECT model_name, alias, version FROM aliases WHERE model_name IN (SELECT value FROM json_each(?)) ORDER BY alias`,
    ),
    insertModel: db.prepare(
      `INSERT INTO models (name, description, task, tags_json, next_version, created_at_ms, updated_at_ms)
       VALUES (@name, @description, @task, @tagsJson, 1, @nowMs, @nowMs)`,
    ),
    updateModel: db.prepare(
      `UPDATE models SET description = @description, task = @task, tags_json = @tagsJson, updated_at_ms = @nowMs
       WHERE name = @name`,
    ),
    touchModel: db.prepare(`UPDATE models SET updated_at_ms = ? WHERE name = ?`),
    bumpNextVersion: db.prepare(`UPDATE models SET next_version = ?, updated_at_ms = ? WHERE name = ?`),
    listModels: db.prepare(
      `${MODEL_SELECT} WHERE ${MODEL_FILTER} AND (@after IS NULL OR m.name > @after) ORDER BY m.name LIMIT @limit`,
    ),
    countModels: db.prepare(`SELECT COUNT(*) AS n FROM models m WHERE ${MODEL_FILTER}`),
    deleteModel: db.prepare(`DELETE FROM models WHERE name = ?`),

    versionRow: db.prepare(`SELECT * FROM versions WHERE model_name = ? AND version = ?`),
    artifactsOfVersion: db.prepare(
      `SELECT * FROM artifacts WHERE model_name = ? AND version = ? ORDER BY ${PRECISION_ORDER}`,
    ),
    artifactsOfVersions: db.prepare(
      `SELECT * FROM artifacts WHERE model_name = ? AND version IN (SELECT value FROM json_each(?))
       ORDER BY version, ${PRECISION_ORDER}`,
    ),
    aliasesOfVersion: db.prepare(`SELECT alias FROM aliases WHERE model_name = ? AND version = ? ORDER BY alias`),
    aliasesOfVersions: db.prepare(
      `SELECT alias, version FROM aliases WHERE model_name = ? AND version IN (SELECT value FROM json_each(?)) ORDER BY alias`,
    ),
    insertVersion: db.prepare(
      `INSERT INTO versions (model_name, version, status, description, tags_json, metrics_json, lineage_json,
         dataset_name, dataset_snapshot, created_at_ms, created_by)
       VALUES (@modelName, @version, 'READY', @description, @tagsJson, @metricsJson, @lineageJson,
         @datasetName, @datasetSnapshot, @createdAtMs, @createdBy)`,
    ),
    insertArtifact: db.prepare(
      `INSERT INTO artifacts (model_name, version, precision, format, sha256, size_bytes, uri, signature_json, created_at_ms)
       VALUES (@modelName, @version, @precision, @format, @sha256, @sizeBytes, @uri, @signatureJson, @createdAtMs)`,
    ),
    updateVersion: db.prepare(
      `UPDATE versions SET description = @description, tags_json = @tagsJson, metrics_json = @metricsJson
       WHERE model_name = @modelName AND version = @version`,
    ),
    archiveVersion: db.prepare(`UPDATE versions SET status = 'ARCHIVED' WHERE model_name = ? AND version = ?`),
    listVersions: db.prepare(
      `SELECT v.* FROM versions v WHERE ${VERSION_FILTER} AND (@after IS NULL OR v.version > @after)
       ORDER BY v.version LIMIT @limit`,
    ),
    countVersions: db.prepare(`SELECT COUNT(*) AS n FROM versions v WHERE ${VERSION_FILTER}`),
    countVersionsOfModel: db.prepare(`SELECT COUNT(*) AS n FROM versions WHERE model_name = ?`),
    shasOfVersion: db.prepare(`SELECT sha256 FROM artifacts WHERE model_name = ? AND version = ?`),
    shasOfModel: db.prepare(`SELECT sha256 FROM artifacts WHERE model_name = ?`),
    deleteArtifactsOfVersion: db.prepare(`DELETE FROM artifacts WHERE model_name = ? AND version = ?`),
    deleteVersion: db.prepare(`DELETE FROM versions WHERE model_name = ? AND version = ?`),
    deleteArtifactsOfModel: db.prepare(`DELETE FROM artifacts WHERE model_name = ?`),
    deleteVersionsOfModel: db.prepare(`DELETE FROM versions WHERE model_name = ?`),
    deleteAliasesOfModel: db.prepare(`DELETE FROM aliases WHERE model_name = ?`),

    aliasTarget: db.prepare(`SELECT version FROM aliases WHERE model_name = ? AND alias = ?`),
    upsertAlias: db.prepare(
      `INSERT INTO aliases (model_name, alias, version) VALUES (?, ?, ?)
       ON CONFLICT (model_name, alias) DO UPDATE SET version = excluded.version`,
    ),
    deleteAlias: db.prepare(`DELETE FROM aliases WHERE model_name = ? AND alias = ?`),
    insertEvent: db.prepare(
      `INSERT INTO alias_events (model_name, alias, action, from_version, to_version, actor, at_ms)
       VALUES (@modelName, @alias, @action, @fromVersion, @toVersion, @actor, @atMs)`,
    ),
    listEvents: db.prepare(
      `SELECT * FROM alias_events WHERE ${EVENT_FILTER} AND (@after IS NULL OR event_id > @after)
       ORDER BY event_id LIMIT @limit`,
    ),
    countEvents: db.prepare(`SELECT COUNT(*) AS n FROM alias_events WHERE ${EVENT_FILTER}`),
    anyEventOfModel: db.prepare(`SELECT 1 FROM alias_events WHERE model_name = ? LIMIT 1`),
    blobReferenced: db.prepare(`SELECT 1 FROM artifacts WHERE sha256 = ? LIMIT 1`),
  };

  // Rows come back untyped from better-sqlite3; each helper below names the
  // row shape its statement selects.
  const modelRow = (name: string): ModelRow | undefined => stmt.modelByName.get(name) as ModelRow | undefined;
  const versionRow = (name: string, version: number): VersionRow | undefined =>
    stmt.versionRow.get(name, version) as VersionRow | undefined;
  const count = (statement: { get(...args: unknown[]): unknown }, ...args: unknown[]): number =>
    (statement.get(...args) as { n: number }).n;

  function toModel(row: ModelRow, aliases: Record<string, number>): ModelRecord {
    return {
      name: row.name,
      description: row.description,
      task: row.task,
      tags: parseTags(row.tags_json),
      createdAtMs: row.created_at_ms,
      updatedAtMs: row.updated_at_ms,
      latestVersion: row.latest_version ?? 0,
      aliases,
    };
  }

  function loadModel(name: string): ModelRecord | undefined {
    const row = modelRow(name);
    if (!row) return undefined;
    const aliases: Record<string, number> = {};
    for (const a of stmt.aliasesOfModel.all(name) as AliasRow[]) aliases[a.alias] = a.version;
    return toModel(row, aliases);
  }

  function toArtifact(row: ArtifactRow): ArtifactRecord {
    return {
      precision: row.precision,
      format: row.format,
      sha256: row.sha256,
      sizeBytes: row.size_bytes,
      uri: row.uri,
      signature: parseSignature(row.signature_json),
      createdAtMs: row.created_at_ms,
    };
  }

  function toVersion(row: VersionRow, artifacts: ArtifactRecord[], aliases: string[]): VersionRecord {
    return {
      modelName: row.model_name,
      version: row.version,
      status: row.status,
      description: row.description,
      tags: parseTags(row.tags_json),
      metrics: parseMetrics(row.metrics_json),
      lineage: parseLineage(row.lineage_json),
      artifacts,
      aliases,
      createdAtMs: row.created_at_ms,
      createdBy: row.created_by,
    };
  }

  function loadVersion(name: string, version: number): VersionRecord | undefined {
    const row = versionRow(name, version);
    if (!row) return undefined;
    const artifacts = (stmt.artifactsOfVersion.all(name, version) as ArtifactRow[]).map(toArtifact);
    const aliases = (stmt.aliasesOfVersion.all(name, version) as { alias: string }[]).map((a) => a.alias);
    return toVersion(row, artifacts, aliases);
  }

  /** Throws the NOT_FOUND that says whether the model or the version is missing. */
  function requireVersionRow(name: string, version: number): VersionRow {
    const row = versionRow(name, version);
    if (row) return row;
    throw modelRow(name) ? registryErrors.versionNotFound(name, version) : registryErrors.modelNotFound(name);
  }

  function aliasesOf(name: string, version: number): string[] {
    return (stmt.aliasesOfVersion.all(name, version) as { alias: string }[]).map((a) => a.alias);
  }

  function recordEvent(event: Omit<AliasEventRecord, 'eventId'>): AliasEventRecord {
    const info = stmt.insertEvent.run(event);
    return { eventId: Number(info.lastInsertRowid), ...event };
  }

  function toEvent(row: AliasEventRow): AliasEventRecord {
    return {
      eventId: row.event_id,
      modelName: row.model_name,
      alias: row.alias,
      action: row.action,
      fromVersion: row.from_version,
      toVersion: row.to_version,
      actor: row.actor,
      atMs: row.at_ms,
    };
  }

  function insertModelRow(model: NewModel, nowMs: number): void {
    stmt.insertModel.run({
      name: model.name,
      description: model.description,
      task: model.task,
      tagsJson: JSON.stringify(model.tags),
      nowMs,
    });
  }

  const createModelTx = db.transaction((model: NewModel, nowMs: number): ModelRecord => {
    if (modelRow(model.name)) throw registryErrors.modelExists(model.name);
    insertModelRow(model, nowMs);
    return loadModel(model.name) as ModelRecord;
  });

  const updateModelTx = db.transaction((name: string, patch: ModelPatch, nowMs: number): ModelRecord => {
    const current = loadModel(name);
    if (!current) throw registryErrors.modelNotFound(name);
    stmt.updateModel.run({
      name,
      description: patch.description ?? current.description,
      task: patch.task ?? current.task,
      tagsJson: JSON.stringify(mergeTags(current.tags, patch.tags)),
      nowMs,
    });
    return loadModel(name) as ModelRecord;
  });

  const deleteModelTx = db.transaction((name: string, actor: string, nowMs: number) => {
    if (!modelRow(name)) throw registryErrors.modelNotFound(name);
    const events = (stmt.aliasesOfModel.all(name) as AliasRow[]).map((a) =>
      recordEvent({
        modelName: name,
        alias: a.alias,
        action: 'REMOVED',
        fromVersion: a.version,
        toVersion: 0,
        actor,
        atMs: nowMs,
      }),
    );
    const sha256s = (stmt.shasOfModel.all(name) as { sha256: string }[]).map((r) => r.sha256);
    const deletedVersions = count(stmt.countVersionsOfModel, name);
    stmt.deleteAliasesOfModel.run(name);
    stmt.deleteArtifactsOfModel.run(name);
    stmt.deleteVersionsOfModel.run(name);
    stmt.deleteModel.run(name);
    return { sha256s, deletedVersions, events };
  });

  function insertArtifactRow(modelName: string, version: number, a: ArtifactRecord): void {
    stmt.insertArtifact.run({
      modelName,
      version,
      precision: a.precision,
      format: a.format,
      sha256: a.sha256,
      sizeBytes: a.sizeBytes,
      uri: a.uri,
      signatureJson: JSON.stringify(a.signature),
      createdAtMs: a.createdAtMs,
    });
  }

  const insertVersionTx = db.transaction((v: NewVersion, nowMs: number, createModel?: NewModel): VersionRecord => {
    let model = modelRow(v.modelName);
    if (!model) {
      if (!createModel) throw registryErrors.modelNotFound(v.modelName);
      insertModelRow(createModel, nowMs);
      model = modelRow(v.modelName) as ModelRow;
    }
    const version = model.next_version;
    stmt.insertVersion.run({
      modelName: v.modelName,
      version,
      description: v.description,
      tagsJson: JSON.stringify(v.tags),
      metricsJson: JSON.stringify(v.metrics),
      lineageJson: JSON.stringify(v.lineage),
      datasetName: v.lineage.dataset?.name ?? null,
      datasetSnapshot: v.lineage.dataset?.snapshot ?? null,
      createdAtMs: nowMs,
      createdBy: v.createdBy,
    });
    insertArtifactRow(v.modelName, version, v.artifact);
    stmt.bumpNextVersion.run(version + 1, nowMs, v.modelName);
    return loadVersion(v.modelName, version) as VersionRecord;
  });

  const insertVariantTx = db.transaction(
    (modelName: string, version: number, artifact: ArtifactRecord, nowMs: number): VersionRecord => {
      requireVersionRow(modelName, version);
      const existing = stmt.artifactsOfVersion.all(modelName, version) as ArtifactRow[];
      if (existing.some((a) => a.precision === artifact.precision)) {
        throw registryErrors.precisionExists(modelName, version, artifact.precision);
      }
      insertArtifactRow(modelName, version, artifact);
      stmt.touchModel.run(nowMs, modelName);
      return loadVersion(modelName, version) as VersionRecord;
    },
  );

  const updateVersionTx = db.transaction((name: string, version: number, patch: VersionPatch): VersionRecord => {
    const row = requireVersionRow(name, version);
    stmt.updateVersion.run({
      modelName: name,
      version,
      description: patch.description ?? row.description,
      tagsJson: JSON.stringify(mergeTags(parseTags(row.tags_json), patch.tags)),
      metricsJson: JSON.stringify({ ...parseMetrics(row.metrics_json), ...patch.metrics }),
    });
    return loadVersion(name, version) as VersionRecord;
  });

  const archiveVersionTx = db.transaction((name: string, version: number): VersionRecord => {
    const row = requireVersionRow(name, version);
    if (row.status !== 'ARCHIVED') {
      const aliases = aliasesOf(name, version);
      if (aliases.length > 0) throw registryErrors.versionAliased(name, version, aliases, 'archive');
      stmt.archiveVersion.run(name, version);
    }
    return loadVersion(name, version) as VersionRecord;
  });

  const deleteVersionTx = db.transaction((name: string, version: number, nowMs: number) => {
    requireVersionRow(name, version);
    const aliases = aliasesOf(name, version);
    if (aliases.length > 0) throw registryErrors.versionAliased(name, version, aliases, 'delete');
    const sha256s = (stmt.shasOfVersion.all(name, version) as { sha256: string }[]).map((r) => r.sha256);
    stmt.deleteArtifactsOfVersion.run(name, version);
    stmt.deleteVersion.run(name, version);
    stmt.touchModel.run(nowMs, name);
    return { sha256s };
  });

  const setAliasTx = db.transaction(
    (name: string, alias: string, version: number, actor: string, nowMs: number): AliasEventRecord => {
      const row = requireVersionRow(name, version);
      if (row.status === 'ARCHIVED') throw registryErrors.versionArchived(name, version, alias);
      const current = stmt.aliasTarget.get(name, alias) as { version: number } | undefined;
      const unchanged = current?.version === version;
      if (!unchanged) stmt.upsertAlias.run(name, alias, version);
      return recordEvent({
        modelName: name,
        alias,
        action: unchanged ? 'UNCHANGED' : current ? 'MOVED' : 'SET',
        fromVersion: current?.version ?? 0,
        toVersion: version,
        actor,
        atMs: nowMs,
      });
    },
  );

  const deleteAliasTx = db.transaction(
    (name: string, alias: string, actor: string, nowMs: number): AliasEventRecord => {
      if (!modelRow(name)) throw registryErrors.modelNotFound(name);
      const current = stmt.aliasTarget.get(name, alias) as { version: number } | undefined;
      if (!current) throw registryErrors.aliasNotFound(name, alias);
      stmt.deleteAlias.run(name, alias);
      return recordEvent({
        modelName: name,
        alias,
        action: 'REMOVED',
        fromVersion: current.version,
        toVersion: 0,
        actor,
        atMs: nowMs,
      });
    },
  );

  // Reads of a listing (page + count + related rows) see one snapshot.
  const listModelsTx = db.transaction((query: ModelQuery) => {
    const params = { query: query.query, tagFilter: JSON.stringify(query.tags) };
    const rows = stmt.listModels.all({ ...params, after: query.after ?? null, limit: query.limit }) as ModelRow[];
    const aliases = new Map<string, Record<string, number>>(rows.map((r) => [r.name, {}]));
    for (const a of stmt.aliasesOfModels.all(JSON.stringify(rows.map((r) => r.name))) as AliasRow[]) {
      const map = aliases.get(a.model_name);
      if (map) map[a.alias] = a.version;
    }
    return {
      items: rows.map((r) => toModel(r, aliases.get(r.name) ?? {})),
      total: count(stmt.countModels, params),
    };
  });

  const listVersionsTx = db.transaction((query: VersionQuery) => {
    const params = {
      modelName: query.modelName,
      includeArchived: query.includeArchived ? 1 : 0,
      tagFilter: JSON.stringify(query.tags),
      datasetName: query.dataset?.name ?? null,
      datasetSnapshot: query.dataset?.snapshot ?? 0,
    };
    const rows = stmt.listVersions.all({ ...params, after: query.after ?? null, limit: query.limit }) as VersionRow[];
    const numbers = JSON.stringify(rows.map((r) => r.version));
    const artifacts = new Map<number, ArtifactRecord[]>(rows.map((r) => [r.version, []]));
    for (const a of stmt.artifactsOfVersions.all(query.modelName, numbers) as ArtifactRow[]) {
      artifacts.get(a.version)?.push(toArtifact(a));
    }
    const aliases = new Map<number, string[]>(rows.map((r) => [r.version, []]));
    for (const a of stmt.aliasesOfVersions.all(query.modelName, numbers) as AliasRow[]) {
      aliases.get(a.version)?.push(a.alias);
    }
    return {
      items: rows.map((r) => toVersion(r, artifacts.get(r.version) ?? [], aliases.get(r.version) ?? [])),
      total: count(stmt.countVersions, params),
    };
  });

  const listEventsTx = db.transaction((query: AliasEventQuery) => {
    const params = { modelName: query.modelName ?? null };
    const rows = stmt.listEvents.all({ ...params, after: query.after ?? null, limit: query.limit }) as AliasEventRow[];
    return { items: rows.map(toEvent), total: count(stmt.countEvents, params) };
  });

  // The port is asynchronous so that network databases can implement it;
  // here every call completes synchronously inside an async function.
  return {
    createModel: async (model, nowMs) => createModelTx(model, nowMs),
    getModel: async (name) => loadModel(name),
    listModels: async (query) => listModelsTx(query),
    updateModel: async (name, patch, nowMs) => updateModelTx(name, patch, nowMs),
    deleteModel: async (name, actor, nowMs) => deleteModelTx(name, actor, nowMs),
    insertVersion: async (version, nowMs, createModel) => insertVersionTx(version, nowMs, createModel),
    insertVariant: async (name, version, artifact, nowMs) => insertVariantTx(name, version, artifact, nowMs),
    getVersion: async (name, version) => loadVersion(name, version),
    listVersions: async (query) => listVersionsTx(query),
    updateVersion: async (name, version, patch) => updateVersionTx(name, version, patch),
    archiveVersion: async (name, version) => archiveVersionTx(name, version),
    deleteVersion: async (name, version, nowMs) => deleteVersionTx(name, version, nowMs),
    setAlias: async (name, alias, version, actor, nowMs) => setAliasTx(name, alias, version, actor, nowMs),
    deleteAlias: async (name, alias, actor, nowMs) => deleteAliasTx(name, alias, actor, nowMs),
    listAliasEvents: async (query) => listEventsTx(query),
    aliasEventsAfter: async (afterEventId, modelName, limit) =>
      (stmt.listEvents.all({ modelName: modelName ?? null, after: afterEventId, limit }) as AliasEventRow[]).map(
        toEvent,
      ),
    hasAliasEvents: async (name) => stmt.anyEventOfModel.get(name) !== undefined,
    isBlobReferenced: async (sha256) => stmt.blobReferenced.get(sha256) !== undefined,
    close: async () => {
      if (db.open) db.close();
    },
  };
}
