/**
 * The ingestion service's metadata store: datasets, snapshots, upload
 * results (idempotency), the review queue and the privacy ledger. Two
 * implementations, one contract (test/store-contract.ts, run by
 * store.test.ts): SQLite (embedded) and PostgreSQL (scaled).
 *
 * Rows only: snapshot records live in the blob store (one Parquet file per
 * snapshot, plus its manifest); a snapshot row is inserted once both are
 * stored, which is the moment the snapshot becomes visible.
 */
import type { JsonValue } from '@l1g1/kit';
import type { SnapshotRef, StoredRecord } from './snapshot/stored-record';

export interface DatasetRow {
  name: string;
  createdAtMs: number;
  updatedAtMs: number;
  /** Highest snapshot version (0 when none yet). */
  latestVersion: number;
  snapshotCount: number;
  /** Epsilon this dataset may spend on DP statistics, and what it spent. */
  dpBudgetTotal: number;
  dpBudgetSpent: number;
}

export interface SnapshotRow {
  dataset: string;
  version: number;
  /** sha256 of the manifest JSON in the blob store. */
  manifestSha256: string;
  /** sha256 of the Parquet data file in the blob store. */
  dataSha256: string;
  recordCount: number;
  sizeBytes: number;
  /** Hash over the sorted record ids and their metadata: equal hashes, equal content. */
  contentSha256: string;
  /** upload, derive, align, confidence_filter, label_export. */
  origin: string;
  jobId: string;
  description: string;
  tags: Record<string, string>;
  /** IngestCounts as snake_case JSON numbers (files_read, rows_kept ...; redactions_by_kind an object). */
  counts: { [key: string]: JsonValue };
  splits: Record<string, number>;
  contentTypes: Record<string, number>;
  metadataKeys: Record<string, number>;
  parents: SnapshotRef[];
  createdAtMs: number;
  createdBy: string;
}

/** A snapshot to insert: the store assigns `version` (next for the dataset) in the same transaction. */
export type NewSnapshot = Omit<SnapshotRow, 'version' | 'createdAtMs'>;

export interface UploadRow {
  /** The idempotency key (the client's, or the hash of dataset + header + file hashes). */
  key: string;
  /** Fingerprint of the canonical header: the same key with another header is a conflict. */
  headerFingerprint: string;
  dataset: string;
  /** The IngestResult to replay, as JSON. */
  result: JsonValue;
  createdAtMs: number;
}

export type ReviewReasonName = 'low_confidence' | 'label_disagreement';
export type ReviewStateName = 'pending' | 'resolved';
export type ReviewDecisionName = 'keep' | 'relabel' | 'discard';

export interface ReviewModelRef {
  name: string;
  /** 0 when the alias was given and not resolved. */
  version: number;
  alias: string;
}

export interface ReviewItemRow {
  id: string;
  /** The snapshot the record was dropped from. */
  dataset: string;
  version: number;
  /** The whole record (data included) so a KEEP/RELABEL can bring it back. */
  record: StoredRecord;
  reason: ReviewReasonName;
  givenLabel: string;
  predictedLabel: string;
  confidence: number;
  threshold: number;
  model: ReviewModelRef;
  jobId: string;
  state: ReviewStateName;
  decision: ReviewDecisionName | undefined;
  newLabel: string;
  note: string;
  resolvedBy: string;
  createdAtMs: number;
  resolvedAtMs: number | undefined;
}

export type NewReviewItem = Omit<ReviewItemRow, 'state' | 'decision' | 'newLabel' | 'note' | 'resolvedBy' | 'resolvedAtMs'>;

export interface ReviewResolution {
  decision: ReviewDecisionName;
  newLabel: string;
  note: string;
  resolvedBy: string;
  atMs: number;
}

export interface ReviewQuery {
  dataset?: string;
  /** Default pending. */
  state?: ReviewStateName;
  reason?: ReviewReasonName;
  jobId?: string;
  /** Keyset cursor: items after this id (ids ascending). */
  afterId?: string;
  limit: number;
}

export interface PrivacySpend {
  dataset: string;
  epsilon: number;
  /** The caller's name of the query (e.g. "mean_age"). */
  query: string;
  actor: string;
  atMs: number;
}

export interface PrivacyLedgerEntry extends PrivacySpend {
  id: number;
}

export interface IngestionStore {
  getDataset(name: string): Promise<DatasetRow | undefined>;
  /** Datasets by name ascending; `query` is a case-insensitive substring. */
  listDatasets(options: { query?: string; afterName?: string; limit: number }): Promise<DatasetRow[]>;
  countDatasets(options: { query?: string }): Promise<number>;

  /**
   * Inserts a snapshot with the dataset's next version (1, 2, 3 ...), creating
   * the dataset (with `dpBudgetTotal`) on its first snapshot. One transaction.
   * With `expectVersion`, refused with ABORTED (reason SNAPSHOT_VERSION_TAKEN,
   * nothing inserted) when the next version is another: the manifest written
   * beforehand names its version, so a racing publisher must write it again.
   */
  insertSnapshot(snapshot: NewSnapshot, options: { nowMs: number; dpBudgetTotal: number; expectVersion?: number }): Promise<SnapshotRow>;
  /** Version 0: the latest. */
  getSnapshot(dataset: string, version: number): Promise<SnapshotRow | undefined>;
  /** Newest first; `beforeVersion` is the keyset cursor. */
  listSnapshots(dataset: string, options: { beforeVersion?: number; limit: number }): Promise<SnapshotRow[]>;

  getUpload(key: string): Promise<UploadRow | undefined>;
  /** Records an upload's result; when the key exists already, keeps the first and answers it. */
  putUpload(row: UploadRow): Promise<UploadRow>;

  insertReviewItems(items: readonly NewReviewItem[], nowMs: number): Promise<void>;
  getReviewItem(id: string): Promise<ReviewItemRow | undefined>;
  listReviewItems(query: ReviewQuery): Promise<ReviewItemRow[]>;
  /**
   * Resolves a pending item; `updated` is false when it was already resolved
   * (the row is answered unchanged). Undefined when there is no such item.
   */
  resolveReviewItem(id: string, resolution: ReviewResolution): Promise<{ item: ReviewItemRow; updated: boolean } | undefined>;

  /**
   * Spends `epsilon` of the dataset's budget and records it in the ledger,
   * atomically: refused (`granted: false`, nothing recorded) when it would
   * exceed the budget. Undefined when the dataset does not exist.
   */
  spendPrivacyBudget(spend: PrivacySpend): Promise<{ granted: boolean; spent: number; total: number } | undefined>;
  listPrivacyLedger(dataset: string): Promise<PrivacyLedgerEntry[]>;

  close(): Promise<void>;
}
