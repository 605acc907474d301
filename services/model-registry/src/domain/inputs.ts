/**
 * Requests as the domain receives them: plain data, already decoded from the
 * transport but not yet validated (the domain validates, so every transport
 * gets the same answers).
 */

/** Who is calling, and whether they gave up. */
export interface CallContext {
  /** For the audit log and `created_by`. */
  actor: string;
  /** Aborted when the caller cancels or disconnects. */
  signal?: AbortSignal;
}

/** A model reference: a version number, an alias, or neither (the `production` alias). */
export interface ModelRefInput {
  name: string;
  version?: number;
  alias?: string;
}

/** A dataset snapshot reference (snapshot 0: the latest). */
export interface DatasetRefInput {
  name: string;
  snapshot: number;
}

/** Lineage as uploaded; the parent reference is resolved by the registry. */
export interface LineageInput {
  dataset?: DatasetRefInput;
  trainingJobId: string;
  parent?: ModelRefInput;
  codeVersion: string;
  params: Record<string, string>;
}

/** The first message of an upload. */
export interface UploadHeaderInput {
  modelName: string;
  version: number;
  /** '' (unspecified: FP32), 'FP32', 'FP16' or 'INT8'; anything else is refused. */
  precision: string;
  /** '' means onnx. */
  format: string;
  expectedSha256: string;
  /** 0: not checked. */
  expectedSizeBytes: number;
  description: string;
  tags: Record<string, string>;
  metrics: Record<string, number>;
  lineage?: LineageInput;
  createModel: boolean;
}

/** One message of an upload stream. */
export type UploadPart =
  | { kind: 'header'; header: UploadHeaderInput }
  | { kind: 'chunk'; bytes: Uint8Array }
  /** A message with neither header nor chunk set. */
  | { kind: 'empty' };

/** A list page request: size 0 means the default, token '' the first page. */
export interface PageRequestInput {
  pageSize: number;
  pageToken: string;
}

/** CreateModel. */
export interface CreateModelInput {
  name: string;
  description: string;
  task: string;
  tags: Record<string, string>;
}

/** ListModels: query is a case-insensitive substring of name or description. */
export interface ListModelsInput {
  page: PageRequestInput;
  query: string;
  tags: Record<string, string>;
}

/** UpdateModel: absent fields stay; tags merge, an empty value removes the key. */
export interface UpdateModelInput {
  name: string;
  description?: string;
  task?: string;
  tags: Record<string, string>;
}

/** ListVersions with its filters. */
export interface ListVersionsInput {
  modelName: string;
  page: PageRequestInput;
  includeArchived: boolean;
  tags: Record<string, string>;
  dataset?: DatasetRefInput;
}

/** UpdateVersion: tags merge as for models; metrics merge. */
export interface UpdateVersionInput {
  modelName: string;
  version: number;
  description?: string;
  tags: Record<string, string>;
  metrics: Record<string, number>;
}

/** DownloadArtifact. */
export interface DownloadInput {
  modelName: string;
  version: number;
  /** As for uploads: '' means FP32. */
  precision: string;
  /** 0 means the default (256 KiB). */
  chunkSize: number;
}

/** SetAlias. */
export interface SetAliasInput {
  modelName: string;
  alias: string;
  version: number;
}

/** DeleteAlias. */
export interface DeleteAliasInput {
  modelName: string;
  alias: string;
}

/** ListAliasEvents. */
export interface ListAliasEventsInput {
  /** '' means every model. */
  modelName: string;
  page: PageRequestInput;
}

/** WatchAliases. */
export interface WatchAliasesInput {
  /** '' means every model. */
  modelName: string;
  afterEventId: number;
}
