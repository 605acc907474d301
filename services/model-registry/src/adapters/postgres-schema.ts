/**
 * Schema migrations of the registry on PostgreSQL, applied in order by kit's
 * `openPostgres` (component `l1g1_registry` in `l1g1_migrations`, under an
 * advisory lock so replicas that start together migrate once). Never edit a
 * shipped migration: append a new one.
 *
 * The same tables as the SQLite schema (sqlite-schema.ts), with three
 * differences that keep both stores answering alike:
 * - names and aliases are `COLLATE "C"`: keyset pages and sorted listings
 *   compare bytes, as SQLite does, whatever the database's locale;
 * - tags are JSONB, so "every filter pair among the tags" is `@>`;
 * - `name_folded` / `description_folded` hold JavaScript's `toLowerCase()` of
 *   the text, so the case-insensitive search folds non-ASCII letters the
 *   same way as the SQLite store, whatever the database's LC_CTYPE.
 * As in SQLite, foreign keys do not cascade and the alias log has none.
 */
export const POSTGRES_REGISTRY_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE models (
    name               TEXT COLLATE "C" PRIMARY KEY,
    description        TEXT NOT NULL,
    task               TEXT NOT NULL,
    tags               JSONB NOT NULL,
    name_folded        TEXT NOT NULL,
    description_folded TEXT NOT NULL,
    -- Numbers are not reused while the model exists (see sqlite-schema.ts).
    next_version       INTEGER NOT NULL,
    created_at_ms      BIGINT NOT NULL,
    updated_at_ms      BIGINT NOT NULL
  );

  CREATE TABLE versions (
    model_name       TEXT COLLATE "C" NOT NULL REFERENCES models (name),
    version          INTEGER NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('READY', 'ARCHIVED')),
    description      TEXT NOT NULL,
    tags             JSONB NOT NULL,
    metrics_json     TEXT NOT NULL,
    lineage_json     TEXT NOT NULL,
    dataset_name     TEXT,
    dataset_snapshot INTEGER,
    created_at_ms    BIGINT NOT NULL,
    created_by       TEXT NOT NULL,
    PRIMARY KEY (model_name, version)
  );

  CREATE TABLE artifacts (
    model_name     TEXT COLLATE "C" NOT NULL,
    version        INTEGER NOT NULL,
    precision      TEXT NOT NULL CHECK (precision IN ('FP32', 'FP16', 'INT8')),
    format         TEXT NOT NULL,
    sha256         TEXT NOT NULL,
    size_bytes     BIGINT NOT NULL,
    uri            TEXT NOT NULL,
    signature_json TEXT NOT NULL,
    created_at_ms  BIGINT NOT NULL,
    PRIMARY KEY (model_name, version, precision),
    FOREIGN KEY (model_name, version) REFERENCES versions (model_name, version)
  );
  CREATE INDEX artifacts_by_sha256 ON artifacts (sha256);

  CREATE TABLE aliases (
    model_name TEXT COLLATE "C" NOT NULL,
    alias      TEXT COLLATE "C" NOT NULL,
    version    INTEGER NOT NULL,
    PRIMARY KEY (model_name, alias),
    FOREIGN KEY (model_name, version) REFERENCES versions (model_name, version)
  );
  CREATE INDEX aliases_by_version ON aliases (model_name, version);

  CREATE TABLE alias_events (
    -- Appends commit one at a time under an advisory lock (postgres-store.ts),
    -- so ids become visible in order and a watcher's "id > last" never skips one.
    event_id     BIGSERIAL PRIMARY KEY,
    model_name   TEXT COLLATE "C" NOT NULL,
    alias        TEXT COLLATE "C" NOT NULL,
    action       TEXT NOT NULL CHECK (action IN ('SET', 'MOVED', 'REMOVED', 'UNCHANGED')),
    from_version INTEGER NOT NULL,
    to_version   INTEGER NOT NULL,
    actor        TEXT NOT NULL,
    at_ms        BIGINT NOT NULL
  );
  CREATE INDEX alias_events_by_model ON alias_events (model_name, event_id);
  `,
];
