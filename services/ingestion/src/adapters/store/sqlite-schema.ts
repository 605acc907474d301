/**
 * The ingestion metadata schema on SQLite, as ordered migrations (kit's
 * `openSqlite` runs each once). JSON columns are text, encoded by row-codec.
 */
export const SQLITE_INGESTION_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE datasets (
    name TEXT PRIMARY KEY,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    latest_version INTEGER NOT NULL DEFAULT 0,
    snapshot_count INTEGER NOT NULL DEFAULT 0,
    dp_budget_total REAL NOT NULL,
    dp_budget_spent REAL NOT NULL DEFAULT 0
  );
  CREATE TABLE snapshots (
    dataset TEXT NOT NULL REFERENCES datasets(name),
    version INTEGER NOT NULL,
    manifest_sha256 TEXT NOT NULL,
    data_sha256 TEXT NOT NULL,
    record_count INTEGER NOT NULL,
    size_bytes INTEGER NOT NULL,
    content_sha256 TEXT NOT NULL,
    origin TEXT NOT NULL,
    job_id TEXT NOT NULL,
    description TEXT NOT NULL,
    tags_json TEXT NOT NULL,
    counts_json TEXT NOT NULL,
    splits_json TEXT NOT NULL,
    content_types_json TEXT NOT NULL,
    metadata_keys_json TEXT NOT NULL,
    parents_json TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (dataset, version)
  );
  CREATE TABLE uploads (
    key TEXT PRIMARY KEY,
    header_fingerprint TEXT NOT NULL,
    dataset TEXT NOT NULL,
    result_json TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL
  );
  CREATE TABLE review_items (
    id TEXT PRIMARY KEY,
    dataset TEXT NOT NULL,
    version INTEGER NOT NULL,
    record_json TEXT NOT NULL,
    reason TEXT NOT NULL,
    given_label TEXT NOT NULL,
    predicted_label TEXT NOT NULL,
    confidence REAL NOT NULL,
    threshold REAL NOT NULL,
    model_json TEXT NOT NULL,
    job_id TEXT NOT NULL,
    state TEXT NOT NULL,
    decision TEXT,
    new_label TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    resolved_by TEXT NOT NULL DEFAULT '',
    created_at_ms INTEGER NOT NULL,
    resolved_at_ms INTEGER
  );
  CREATE INDEX review_items_by_dataset ON review_items (dataset, state, id);
  CREATE INDEX review_items_by_job ON review_items (job_id, id);
  CREATE TABLE privacy_ledger (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dataset TEXT NOT NULL REFERENCES datasets(name),
    epsilon REAL NOT NULL,
    query TEXT NOT NULL,
    actor TEXT NOT NULL,
    at_ms INTEGER NOT NULL
  );
  CREATE INDEX privacy_ledger_by_dataset ON privacy_ledger (dataset, id);
  `,
];
