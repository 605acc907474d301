/**
 * The labeling tables, one migration list for both databases (the column
 * types used are common to SQLite and PostgreSQL). Record payloads are kept
 * as JSON with base64 data, bounded by L1G1_LABELING_MAX_RECORD_BYTES.
 */
export const LABELING_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE labeling_projects (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    instructions TEXT NOT NULL,
    task_type INTEGER NOT NULL,
    config TEXT NOT NULL,
    tags TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    next_seq BIGINT NOT NULL DEFAULT 0
  );
  CREATE TABLE labeling_tasks (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES labeling_projects(id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    record_id TEXT NOT NULL,
    record TEXT NOT NULL,
    source TEXT,
    required INTEGER NOT NULL,
    image_width INTEGER NOT NULL,
    image_height INTEGER NOT NULL,
    seed_value TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (project_id, record_id),
    UNIQUE (project_id, seq)
  );
  -- One row per (task, annotator): a live or expired reservation, or what they did.
  CREATE TABLE labeling_assignments (
    task_id TEXT NOT NULL REFERENCES labeling_tasks(id) ON DELETE CASCADE,
    annotator TEXT NOT NULL,
    state TEXT NOT NULL,
    lease_until BIGINT NOT NULL,
    PRIMARY KEY (task_id, annotator)
  );
  CREATE TABLE labeling_annotations (
    id TEXT PRIMARY KEY,
    task_id TEXT NOT NULL REFERENCES labeling_tasks(id) ON DELETE CASCADE,
    project_id TEXT NOT NULL,
    annotator TEXT NOT NULL,
    value TEXT,
    lead_time_ms BIGINT NOT NULL,
    skipped INTEGER NOT NULL,
    gold INTEGER NOT NULL,
    from_prelabel INTEGER NOT NULL,
    history TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (task_id, annotator)
  );
  CREATE INDEX labeling_annotations_project ON labeling_annotations (project_id, id);
  `,
  // Model-fed parts (pre-labels, active learning, label issues).
  `
  CREATE TABLE labeling_predictions (
    task_id TEXT PRIMARY KEY REFERENCES labeling_tasks(id) ON DELETE CASCADE,
    project_id TEXT NOT NULL,
    model_name TEXT NOT NULL,
    model_version INTEGER NOT NULL,
    value TEXT,
    class_scores TEXT NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    least_confidence DOUBLE PRECISION NOT NULL,
    margin DOUBLE PRECISION NOT NULL,
    entropy DOUBLE PRECISION NOT NULL,
    job_id TEXT NOT NULL,
    created_at BIGINT NOT NULL
  );
  CREATE INDEX labeling_predictions_project ON labeling_predictions (project_id);
  CREATE TABLE labeling_label_issues (
    task_id TEXT PRIMARY KEY REFERENCES labeling_tasks(id) ON DELETE CASCADE,
    project_id TEXT NOT NULL,
    evidence TEXT NOT NULL,
    found_at BIGINT NOT NULL
  );
  CREATE INDEX labeling_label_issues_project ON labeling_label_issues (project_id);
  ALTER TABLE labeling_annotations ADD COLUMN prelabel_model TEXT;
  ALTER TABLE labeling_annotations ADD COLUMN prelabel_accepted INTEGER NOT NULL DEFAULT 0;
  `,
];
