/**
 * The ingestion metadata schema on PostgreSQL: the same tables and columns as
 * sqlite-schema.ts (JSON columns as text, read by the same row-codec), for
 * ingestion replicas sharing one database.
 */
export const POSTGRES_INGESTION_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE ingestion_datasets (
    name TEXT PRIMARY KEY,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL,
    latest_version INTEGER NOT NULL DEFAULT 0,
    snapshot_count INTEGER NOT NULL DEFAULT 0,
    dp_budget_total DOUBLE PRECISION NOT NULL,
    dp_budget_spent DOUBLE PRECISION NOT NULL DEFAULT 0
  );
  CREATE TABLE ingestion_snapshots (
    dataset TEXT NOT NULL REFERENCES ingestion_datasets(name),
    version INTEGER NOT NULL,
    manifest_sha256 TEXT NOT NULL,
    data_sha256 TEXT NOT NULL,
    record_count BIGINT NOT NULL,
    size_bytes BIGINT NOT NULL,
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
    created_at_ms BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (dataset, version)
  );
  CREATE TABLE ingestion_uploads (
    key TEXT PRIMARY KEY,
    header_fingerprint TEXT NOT NULL,
    dataset TEXT NOT NULL,
    result_json TEXT NOT NULL,
    created_at_ms BIGINT NOT NULL
  );
  CREATE TABLE ingestion_review_items (
    id TEXT PRIMARY KEY,
    dataset TEXT NOT NULL,
    version INTEGER NOT NULL,
    record_json TEXT NOT NULL,
    reason TEXT NOT NULL,
    given_label TEXT NOT NULL,
    predicted_label TEXT NOT NULL,
    confidence DOUBLE PRECISION NOT NULL,
    threshold DOUBLE PRECISION NOT NULL,
    model_json TEXT NOT NULL,
    job_id TEXT NOT NULL,
    state TEXT NOT NULL,
    decision TEXT,
    new_label TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    resolved_by TEXT NOT NULL DEFAULT '',
    created_at_ms BIGINT NOT NULL,
    resolved_at_ms BIGINT
  );
  CREATE INDEX ingestion_review_items_by_dataset ON ingestion_review_items (dataset, state, id);
  CREATE INDEX ingestion_review_items_by_job ON ingestion_review_items (job_id, id);
  CREATE TABLE ingestion_privacy_ledger (
    id BIGSERIAL PRIMARY KEY,
    dataset TEXT NOT NULL REFERENCES ingestion_datasets(name),
    epsilon DOUBLE PRECISION NOT NULL,
    query TEXT NOT NULL,
    actor TEXT NOT NULL,
    at_ms BIGINT NOT NULL
  );
  CREATE INDEX ingestion_privacy_ledger_by_dataset ON ingestion_privacy_ledger (dataset, id);
  `,
];
