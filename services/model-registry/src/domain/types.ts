/**
 * The registry's own vocabulary, independent of protobuf and of storage:
 * handlers map these to the wire types, adapters to rows.
 */

/** Numeric precision of an artifact; one version holds at most one artifact per precision. */
export type Precision = 'FP32' | 'FP16' | 'INT8';

/** Every precision, in the order listings show them. */
export const PRECISIONS: readonly Precision[] = ['FP32', 'FP16', 'INT8'];

/** One tensor of a model signature; a variable dimension is -1, a symbolic one keeps its name. */
export interface TensorSpec {
  name: string;
  /** KServe Open Inference Protocol datatype: FP32, INT64, BYTES ... */
  datatype: string;
  shape: number[];
  dimNames: string[];
}

/** The inputs and outputs of a model, read from its artifact. */
export interface Signature {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

/** A logical model: a name that versions are filed under. */
export interface ModelRecord {
  name: string;
  description: string;
  task: string;
  tags: Record<string, string>;
  createdAtMs: number;
  updatedAtMs: number;
  /** Highest version number that still exists; 0 when there is none. */
  latestVersion: number;
  /** alias -> version */
  aliases: Record<string, number>;
}

/** READY versions serve; ARCHIVED ones stay downloadable but take no aliases. */
export type VersionStatus = 'READY' | 'ARCHIVED';

/** One immutable, content-addressed file of a version. */
export interface ArtifactRecord {
  precision: Precision;
  format: string;
  sha256: string;
  sizeBytes: number;
  /** The blob's logical URI (`l1g1://blobs/sha256/<hex>`), the same whichever store holds it. */
  uri: string;
  signature: Signature;
  createdAtMs: number;
}

/** A dataset snapshot; snapshot 0 means "the latest". */
export interface DatasetRefRecord {
  name: string;
  snapshot: number;
}

/** Where a version came from. `parent` is stored resolved to a version number. */
export interface LineageRecord {
  dataset?: DatasetRefRecord;
  trainingJobId: string;
  parent?: { name: string; version: number };
  codeVersion: string;
  params: Record<string, string>;
}

/** An immutable numbered version of a model, with its artifacts. */
export interface VersionRecord {
  modelName: string;
  version: number;
  status: VersionStatus;
  description: string;
  tags: Record<string, string>;
  metrics: Record<string, number>;
  lineage: LineageRecord;
  /** Sorted FP32, FP16, INT8. */
  artifacts: ArtifactRecord[];
  /** Aliases currently pointing at this version, sorted. */
  aliases: string[];
  createdAtMs: number;
  createdBy: string;
}

/** What happened to an alias. */
/** What happened to an alias; UNCHANGED: a SetAlias to the version it already had (logged, nothing moved). */
export type AliasAction = 'SET' | 'MOVED' | 'REMOVED' | 'UNCHANGED';

/** One entry of the alias audit log. */
export interface AliasEventRecord {
  /** Strictly increasing across the whole registry: watchers resume from it. */
  eventId: number;
  modelName: string;
  alias: string;
  action: AliasAction;
  /** 0 when the alias did not exist before. */
  fromVersion: number;
  /** 0 when the alias was removed. */
  toVersion: number;
  actor: string;
  atMs: number;
}

/** A page of results plus the number of items matching the query overall. */
export interface PageResult<T> {
  items: T[];
  total: number;
}

/** A validated page: items and the opaque token for the next one ('' at the end). */
export interface Page<T> {
  items: T[];
  nextPageToken: string;
  total: number;
}
