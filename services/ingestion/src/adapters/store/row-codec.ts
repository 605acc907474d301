/**
 * Column encodings both stores share, so a row reads back the same from
 * SQLite and PostgreSQL: JSON columns as text, a review item's record with
 * its payload in base64, counts as plain numbers.
 */
import type { JsonValue } from '@l1g1/kit';
import type { Modality } from '../../domain/record';
import type { StoredRecord } from '../../domain/snapshot/stored-record';
import type { NewSnapshot, ReviewItemRow, ReviewModelRef, SnapshotRow } from '../../domain/ports';

/** Parses a JSON column written by this module (never client text). */
export function parseJsonColumn<T>(text: string): T {
  // The column holds only what encodeSnapshotColumns / encodeRecord wrote.
  return JSON.parse(text) as T;
}

interface RecordJson {
  id: string;
  modality: string;
  content_type: string;
  data_base64: string;
  metadata: Record<string, string>;
  timestamp_us?: number;
}

export function encodeRecord(record: StoredRecord): string {
  const json: RecordJson = {
    id: record.id,
    modality: record.modality,
    content_type: record.contentType,
    data_base64: Buffer.from(record.data.buffer, record.data.byteOffset, record.data.byteLength).toString('base64'),
    metadata: record.metadata,
    ...(record.timestampUs === undefined ? {} : { timestamp_us: record.timestampUs }),
  };
  return JSON.stringify(json);
}

export function decodeRecord(text: string): StoredRecord {
  const json = parseJsonColumn<RecordJson>(text);
  return {
    id: json.id,
    modality: json.modality as Modality,
    contentType: json.content_type,
    data: new Uint8Array(Buffer.from(json.data_base64, 'base64')),
    metadata: json.metadata,
    ...(json.timestamp_us === undefined ? {} : { timestampUs: json.timestamp_us }),
  };
}

/** The JSON columns of a snapshot row, in the order of SNAPSHOT_JSON_COLUMNS. */
export function encodeSnapshotJson(s: NewSnapshot): string[] {
  return [s.tags, s.counts, s.splits, s.contentTypes, s.metadataKeys, s.parents].map((v) => JSON.stringify(v));
}

export const SNAPSHOT_JSON_COLUMNS = ['tags_json', 'counts_json', 'splits_json', 'content_types_json', 'metadata_keys_json', 'parents_json'] as const;

/** A snapshot row as both databases return it (numbers may come back as strings from PostgreSQL BIGINT). */
export interface SnapshotDbRow {
  dataset: string;
  version: number | string;
  manifest_sha256: string;
  data_sha256: string;
  record_count: number | string;
  size_bytes: number | string;
  content_sha256: string;
  origin: string;
  job_id: string;
  description: string;
  tags_json: string;
  counts_json: string;
  splits_json: string;
  content_types_json: string;
  metadata_keys_json: string;
  parents_json: string;
  created_at_ms: number | string;
  created_by: string;
}

export function decodeSnapshot(row: SnapshotDbRow): SnapshotRow {
  return {
    dataset: row.dataset,
    version: Number(row.version),
    manifestSha256: row.manifest_sha256,
    dataSha256: row.data_sha256,
    recordCount: Number(row.record_count),
    sizeBytes: Number(row.size_bytes),
    contentSha256: row.content_sha256,
    origin: row.origin,
    jobId: row.job_id,
    description: row.description,
    tags: parseJsonColumn(row.tags_json),
    counts: parseJsonColumn<{ [key: string]: JsonValue }>(row.counts_json),
    splits: parseJsonColumn(row.splits_json),
    contentTypes: parseJsonColumn(row.content_types_json),
    metadataKeys: parseJsonColumn(row.metadata_keys_json),
    parents: parseJsonColumn(row.parents_json),
    createdAtMs: Number(row.created_at_ms),
    createdBy: row.created_by,
  };
}

export interface DatasetDbRow {
  name: string;
  created_at_ms: number | string;
  updated_at_ms: number | string;
  latest_version: number | string;
  snapshot_count: number | string;
  dp_budget_total: number | string;
  dp_budget_spent: number | string;
}

export function decodeDataset(row: DatasetDbRow) {
  return {
    name: row.name,
    createdAtMs: Number(row.created_at_ms),
    updatedAtMs: Number(row.updated_at_ms),
    latestVersion: Number(row.latest_version),
    snapshotCount: Number(row.snapshot_count),
    dpBudgetTotal: Number(row.dp_budget_total),
    dpBudgetSpent: Number(row.dp_budget_spent),
  };
}

export interface ReviewDbRow {
  id: string;
  dataset: string;
  version: number | string;
  record_json: string;
  reason: string;
  given_label: string;
  predicted_label: string;
  confidence: number | string;
  threshold: number | string;
  model_json: string;
  job_id: string;
  state: string;
  decision: string | null;
  new_label: string;
  note: string;
  resolved_by: string;
  created_at_ms: number | string;
  resolved_at_ms: number | string | null;
}

export function decodeReviewItem(row: ReviewDbRow): ReviewItemRow {
  return {
    id: row.id,
    dataset: row.dataset,
    version: Number(row.version),
    record: decodeRecord(row.record_json),
    reason: row.reason as ReviewItemRow['reason'],
    givenLabel: row.given_label,
    predictedLabel: row.predicted_label,
    confidence: Number(row.confidence),
    threshold: Number(row.threshold),
    model: parseJsonColumn<ReviewModelRef>(row.model_json),
    jobId: row.job_id,
    state: row.state as ReviewItemRow['state'],
    decision: (row.decision ?? undefined) as ReviewItemRow['decision'],
    newLabel: row.new_label,
    note: row.note,
    resolvedBy: row.resolved_by,
    createdAtMs: Number(row.created_at_ms),
    resolvedAtMs: row.resolved_at_ms === null ? undefined : Number(row.resolved_at_ms),
  };
}

/** Escapes LIKE wildcards so a user's query is a plain substring. */
export function likeSubstring(query: string): string {
  return `%${query.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
