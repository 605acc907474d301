/**
 * Schema migrations of the registry database, applied in order by kit's
 * `openSqlite` (`user_version` counts those applied). Never edit a shipped
 * migration: append a new one.
 *
 * Foreign keys have no ON DELETE CASCADE on purpose: the store deletes
 * children explicitly, so a forgotten alias or artifact makes the delete fail
 * instead of vanishing silently. The alias log has no foreign key at all: the
 * audit trail outlives the models it describes.
 */
export const REGISTRY_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE models (
    name          TEXT PRIMARY KEY,
    description   TEXT NOT NULL,
    task          TEXT NOT NULL,
    tags_json     TEXT NOT NULL,
    -- Numbers are not reused while the model exists, even after its newest
    -- version is deleted: a cached "model/3" must not come to mean other bytes.
    next_version  INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE versions (
    model_name       TEXT NOT NULL REFERENCES models (name),
    version          INTEGER NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('READY', 'ARCHIVED')),
    description      TEXT NOT NULL,
    tags_json        TEXT NOT NULL,
    metrics_json     TEXT NOT NULL,
    lineage_json     TEXT NOT NULL,
    -- Copied out of lineage_json for the dataset filter of ListVersions.
    dataset_name     TEXT,
    dataset_snapshot INTEGER,
    created_at_ms    INTEGER NOT NULL,
    created_by       TEXT NOT NULL,
    PRIMARY KEY (model_name, version)
  ) STRICT;

  CREATE TABLE artifacts (
    model_name     TEXT NOT NULL,
    version        INTEGER NOT NULL,
    precision      TEXT NOT NULL CHECK (precision IN ('FP32', 'FP16', 'INT8')),
    format         TEXT NOT NULL,
    sha256         TEXT NOT NULL,
    size_bytes     INTEGER NOT NULL,
    uri            TEXT NOT NULL,
    signature_json TEXT NOT NULL,
    created_at_ms  INTEGER NOT NULL,
    PRIMARY KEY (model_name, version, precision),
    FOREIGN KEY (model_name, version) REFERENCES versions (model_name, version)
  ) STRICT;
  -- Blob garbage collection asks "does anything still use this sha256?".
  CREATE INDEX artifacts_by_sha256 ON artifacts (sha256);

  CREATE TABLE aliases (
    model_name TEXT NOT NULL,
    alias      TEXT NOT NULL,
    version    INTEGER NOT NULL,
    PRIMARY KEY (model_name, alias),
    FOREIGN KEY (model_name, version) REFERENCES versions (model_name, version)
  ) STRICT;
  CREATE INDEX aliases_by_version ON aliases (model_name, version);

  CREATE TABLE alias_events (
    -- AUTOINCREMENT: ids only ever grow, so a watcher's after_event_id stays meaningful.
    event_id     INTEGER PRIMARY KEY AUTOINCREMENT,
    model_name   TEXT NOT NULL,
    alias        TEXT NOT NULL,
    action       TEXT NOT NULL CHECK (action IN ('SET', 'MOVED', 'REMOVED')),
    from_version INTEGER NOT NULL,
    to_version   INTEGER NOT NULL,
    actor        TEXT NOT NULL,
    at_ms        INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX alias_events_by_model ON alias_events (model_name, event_id);
  `,
  // 2: SetAlias to the version an alias already has is logged (UNCHANGED),
  // and artifact URIs are logical (never the host path of the data directory).
  `
  CREATE TABLE alias_events_v2 (
    event_id     INTEGER PRIMARY KEY AUTOINCREMENT,
    model_name   TEXT NOT NULL,
    alias        TEXT NOT NULL,
    action       TEXT NOT NULL CHECK (action IN ('SET', 'MOVED', 'REMOVED', 'UNCHANGED')),
    from_version INTEGER NOT NULL,
    to_version   INTEGER NOT NULL,
    actor        TEXT NOT NULL,
    at_ms        INTEGER NOT NULL
  ) STRICT;
  INSERT INTO alias_events_v2 SELECT * FROM alias_events;
  -- Ids must keep growing from where the old table's counter stood.
  UPDATE sqlite_sequence
     SET seq = MAX(seq, COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'alias_events'), 0))
   WHERE name = 'alias_events_v2';
  DROP TABLE alias_events;
  ALTER TABLE alias_events_v2 RENAME TO alias_events;
  CREATE INDEX alias_events_by_model ON alias_events (model_name, event_id);

  UPDATE artifacts SET uri = 'l1g1://blobs/sha256/' || sha256;
  `,
];
