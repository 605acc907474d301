/**
 * The shapes every part of the ingestion service shares once a record is
 * cleaned and stored (issue 7): a stored record, a snapshot reference, and the
 * Parquet column layout of a snapshot's data file. Parsers and cleaning steps
 * work on `ParsedRecord` (../record); a `StoredRecord` is what a snapshot
 * holds and what ReadRecords, DiffSnapshots, alignment, the confidence filter
 * and the DP statistics read.
 */
import type { Modality } from '../record';

export interface StoredRecord {
  /** Content id: sha256 hex of the normalised content (`contentIdOf`). Unique within a snapshot. */
  id: string;
  modality: Modality;
  /** MIME type of the payload (text/plain, application/json, image/png, audio/wav ...). */
  contentType: string;
  /**
   * The payload. Text records (content type text/* or application/json) hold
   * their UTF-8 bytes here too; {@link recordText} decodes them.
   */
  data: Uint8Array;
  /**
   * Flat string metadata. Reserved keys written by the service:
   * `source_file`, `line`, `row`, `sheet`, `page`, `byte_offset`,
   * `start_us`, `end_us` (the position), `parent` (nested records),
   * `split` (after a split), `label` (by convention), `lang`,
   * `confidence` / `predicted_label` (confidence filter), `aligned.*` (alignment).
   */
  metadata: Record<string, string>;
  /** Time of the record on its own clock, microseconds since the epoch; undefined when unknown. */
  timestampUs?: number;
}

/** A dataset snapshot: version >= 1, or 0 for "the latest" in requests only. */
export interface SnapshotRef {
  dataset: string;
  version: number;
}

/** Content types whose payload is text (stored in the Parquet `text` column, not `data`). */
export function isTextContentType(contentType: string): boolean {
  return contentType.startsWith('text/') || contentType === 'application/json' || contentType.endsWith('+json');
}

/** The record's payload as text (UTF-8), or undefined for binary records. */
export function recordText(record: StoredRecord): string | undefined {
  return isTextContentType(record.contentType) ? Buffer.from(record.data.buffer, record.data.byteOffset, record.data.byteLength).toString('utf8') : undefined;
}

/**
 * Columns of a snapshot's Parquet file, in this order, rows sorted by `id`
 * (so diffs and merges stream, and content hashes are order-free). Exactly one
 * of `text` / `data` is non-null. `metadata` is a JSON object of strings, so
 * pandas, DuckDB, Spark and Hugging Face `datasets` read it as a plain string
 * column; `split` and `label` are copied out of it as columns of their own for
 * the readers' filters.
 *
 *   id VARCHAR NOT NULL, modality VARCHAR NOT NULL, content_type VARCHAR NOT NULL,
 *   text VARCHAR, data BLOB, timestamp_us BIGINT, split VARCHAR, label VARCHAR,
 *   metadata VARCHAR NOT NULL
 */
export const SNAPSHOT_COLUMNS = ['id', 'modality', 'content_type', 'text', 'data', 'timestamp_us', 'split', 'label', 'metadata'] as const;
export type SnapshotColumn = (typeof SNAPSHOT_COLUMNS)[number];
