/**
 * What the registry domain needs from the outside world: stores on SQLite
 * and PostgreSQL, blobs in files or S3, an alias feed in process or over
 * LISTEN/NOTIFY, all behind these ports.
 */
import type {
  AliasEventRecord,
  ArtifactRecord,
  DatasetRefRecord,
  LineageRecord,
  ModelRecord,
  PageResult,
  Signature,
  VersionRecord,
} from './types';

/** Artifact bytes live in kit's content-addressed BlobStore port (file system today, S3 later). */
export type { BlobStore, BlobWriter, BlobInfo } from '@l1g1/kit';

/** A model about to be created. */
export interface NewModel {
  name: string;
  description: string;
  task: string;
  tags: Record<string, string>;
}

/** A version about to be created; the store assigns the number. */
export interface NewVersion {
  modelName: string;
  description: string;
  tags: Record<string, string>;
  metrics: Record<string, number>;
  lineage: LineageRecord;
  artifact: ArtifactRecord;
  createdBy: string;
}

/** Changes to a model: absent fields stay; tags are merged, an empty value removes the key. */
export interface ModelPatch {
  description?: string;
  task?: string;
  tags: Record<string, string>;
}

/** Changes to a version: tags merged as for models, metrics merged. */
export interface VersionPatch {
  description?: string;
  tags: Record<string, string>;
  metrics: Record<string, number>;
}

/** Keyset pagination: items strictly after `after`, at most `limit` of them. */
export interface KeysetQuery<K> {
  after?: K;
  limit: number;
}

/** ListModels filters. */
export interface ModelQuery extends KeysetQuery<string> {
  /** Case-insensitive substring of name or description; '' matches all. */
  query: string;
  /** Every pair must be among the model's tags. */
  tags: Record<string, string>;
}

/** ListVersions filters. */
export interface VersionQuery extends KeysetQuery<number> {
  modelName: string;
  includeArchived: boolean;
  tags: Record<string, string>;
  /** Only versions trained on this dataset (any snapshot when snapshot is 0). */
  dataset?: DatasetRefRecord;
}

/** ListAliasEvents filters. */
export interface AliasEventQuery extends KeysetQuery<number> {
  /** undefined: every model. */
  modelName?: string;
}

/** What deleting a model or a version released: the blobs that may now be unreferenced. */
export interface Released {
  sha256s: string[];
}

/**
 * Metadata storage. Each method is one atomic transaction. Methods that check
 * a precondition inside their transaction (a version exists, no alias points
 * at it ...) throw the domain's errors (see `registry-errors.ts`), so that the
 * check and the write cannot be separated by a concurrent request.
 */
export interface RegistryStore {
  createModel(model: NewModel, nowMs: number): Promise<ModelRecord>;
  getModel(name: string): Promise<ModelRecord | undefined>;
  listModels(query: ModelQuery): Promise<PageResult<ModelRecord>>;
  updateModel(name: string, patch: ModelPatch, nowMs: number): Promise<ModelRecord>;
  /** Removes the model, its versions and aliases (logging a REMOVED event per alias). */
  deleteModel(
    name: string,
    actor: string,
    nowMs: number,
  ): Promise<Released & { deletedVersions: number; events: AliasEventRecord[] }>;

  /**
   * Assigns the next version number and inserts the version with its first
   * artifact; creates the model first when `createModel` is given and the
   * model does not exist.
   */
  insertVersion(version: NewVersion, nowMs: number, createModel?: NewModel): Promise<VersionRecord>;
  /** Adds an artifact of a new precision to an existing version. */
  insertVariant(modelName: string, version: number, artifact: ArtifactRecord, nowMs: number): Promise<VersionRecord>;
  getVersion(modelName: string, version: number): Promise<VersionRecord | undefined>;
  listVersions(query: VersionQuery): Promise<PageResult<VersionRecord>>;
  updateVersion(modelName: string, version: number, patch: VersionPatch, nowMs: number): Promise<VersionRecord>;
  /** Idempotent; refuses while an alias points at the version. */
  archiveVersion(modelName: string, version: number, nowMs: number): Promise<VersionRecord>;
  /** Refuses while an alias points at the version. */
  deleteVersion(modelName: string, version: number, nowMs: number): Promise<Released>;

  /**
   * Points the alias at a READY version and records the event in the same
   * transaction, returning exactly that event: SET, MOVED, or UNCHANGED when
   * the alias already pointed there (logged too, so every caller is audited).
   */
  setAlias(modelName: string, alias: string, version: number, actor: string, nowMs: number): Promise<AliasEventRecord>;
  deleteAlias(modelName: string, alias: string, actor: string, nowMs: number): Promise<AliasEventRecord>;
  listAliasEvents(query: AliasEventQuery): Promise<PageResult<AliasEventRecord>>;
  /** Up to `limit` events with an id above `afterEventId`, oldest first; for watches (no total counted). */
  aliasEventsAfter(afterEventId: number, modelName: string | undefined, limit: number): Promise<AliasEventRecord[]>;
  /** Whether the audit log holds any event for this model name (it outlives deleted models). */
  hasAliasEvents(modelName: string): Promise<boolean>;

  /** Whether any artifact still references this blob. */
  isBlobReferenced(sha256: string): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Wakes alias watches when events were appended to the log. Events are
 * published after their transaction commits; subscribers are told only that
 * the log grew (by this process or, over PostgreSQL, by another replica) and
 * read the events themselves from the store, so no event travels twice and a
 * missed wake-up never loses one.
 */
export interface AliasEventFeed {
  publish(event: AliasEventRecord): void;
  /** Returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
}

/** What an inspector read from an artifact. */
export interface InspectedArtifact {
  signature: Signature;
}

/** A received artifact, as a local file the inspector reads (never loaded whole by the registry). */
export interface ArtifactFile {
  localPath: string;
  sizeBytes: number;
}

/**
 * Reads and checks an artifact of a given format, from its file. Throws an
 * INVALID_ARGUMENT `L1g1Error` when it is not a valid, safe, loadable
 * artifact of that format; stops (CANCELLED) when `signal` aborts.
 */
export interface ArtifactInspector {
  /** Formats this inspector understands, e.g. ['onnx']. */
  readonly formats: readonly string[];
  inspect(format: string, artifact: ArtifactFile, signal: AbortSignal): Promise<InspectedArtifact>;
  /** Releases what the inspector keeps ready (a spare process); called when the registry closes. */
  close?(): void;
}
