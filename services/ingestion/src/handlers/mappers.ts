/**
 * Rows and jobs as the IngestionService's messages. Job conventions for the
 * kinds other parts run: an align / confidence-filter job keeps its request
 * as the proto's JSON in `params.request` and its result as the proto's JSON
 * (AlignResult / FilterResult) as the job result.
 */
import { common, ingestion } from '@l1g1/contracts';
import { errors, toJobStatus, type Job, type JsonValue } from '@l1g1/kit';
import type { DatasetRow, SnapshotRow } from '../domain/ports';
import { DATASET_NAME } from '../domain/ingest/ingest-spec';

const num = (v: JsonValue | undefined): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** IngestCounts from the snake_case JSON a snapshot row stores. */
export function countsFromJson(c: { [key: string]: JsonValue }): ingestion.IngestCounts {
  const byKind = c['redactions_by_kind'];
  const redactionsByKind: Record<string, number> = {};
  if (byKind !== null && typeof byKind === 'object' && !Array.isArray(byKind)) {
    for (const [k, v] of Object.entries(byKind)) redactionsByKind[k] = num(v);
  }
  return {
    filesRead: num(c['files_read']),
    bytesRead: num(c['bytes_read']),
    rowsRead: num(c['rows_read']),
    rowsKept: num(c['rows_kept']),
    exactDuplicates: num(c['exact_duplicates']),
    nearDuplicates: num(c['near_duplicates']),
    filteredLength: num(c['filtered_length']),
    filteredLanguage: num(c['filtered_language']),
    rowsRedacted: num(c['rows_redacted']),
    redactionsByKind,
    rowsFailed: num(c['rows_failed']),
  };
}

function sourceFormat(name: unknown): ingestion.SourceFormat {
  if (typeof name !== 'string' || name === '') return ingestion.SourceFormat.SOURCE_FORMAT_UNSPECIFIED;
  const value = (ingestion.SourceFormat as unknown as Record<string, unknown>)[`SOURCE_FORMAT_${name.toUpperCase()}`];
  return typeof value === 'number' ? value : ingestion.SourceFormat.SOURCE_FORMAT_UNSPECIFIED;
}

/** The manifest's `sources` as SourceFile messages. */
export function sourcesFromManifest(manifest: Record<string, unknown> | undefined): ingestion.SourceFile[] {
  const sources = manifest?.['sources'];
  if (!Array.isArray(sources)) return [];
  return sources.map((s: Record<string, unknown>) => ({
    name: typeof s['name'] === 'string' ? s['name'] : '',
    format: sourceFormat(s['format']),
    sha256: typeof s['sha256'] === 'string' ? s['sha256'] : '',
    sizeBytes: typeof s['size_bytes'] === 'number' ? s['size_bytes'] : 0,
    rowsKept: typeof s['rows_kept'] === 'number' ? s['rows_kept'] : 0,
  }));
}

export function toSnapshot(row: SnapshotRow, manifest?: Record<string, unknown>): ingestion.Snapshot {
  return {
    dataset: row.dataset,
    version: row.version,
    description: row.description,
    tags: row.tags,
    recordCount: row.recordCount,
    sizeBytes: row.sizeBytes,
    contentSha256: row.contentSha256,
    parents: row.parents.map((p) => ({ name: p.dataset, snapshot: p.version })),
    origin: row.origin,
    jobId: row.jobId,
    counts: countsFromJson(row.counts),
    sources: sourcesFromManifest(manifest),
    contentTypes: row.contentTypes,
    metadataKeys: row.metadataKeys,
    splits: row.splits,
    createdAt: new Date(row.createdAtMs),
    createdBy: row.createdBy,
  };
}

export function toDataset(row: DatasetRow): ingestion.Dataset {
  return {
    name: row.name,
    latestSnapshot: row.latestVersion,
    snapshotCount: row.snapshotCount,
    createdAt: new Date(row.createdAtMs),
    updatedAt: new Date(row.updatedAtMs),
    privacyBudgetRemaining: Math.max(0, row.dpBudgetTotal - row.dpBudgetSpent),
  };
}

const KIND_TO_PROTO: Readonly<Record<string, ingestion.IngestionJobKind>> = {
  'ingestion.align': ingestion.IngestionJobKind.INGESTION_JOB_KIND_ALIGN,
  'ingestion.confidence_filter': ingestion.IngestionJobKind.INGESTION_JOB_KIND_CONFIDENCE_FILTER,
  // Their requests are not in the job's oneof (an upload's is a client stream): kind and status only.
  'ingestion.ingest': ingestion.IngestionJobKind.INGESTION_JOB_KIND_INGEST,
  'ingestion.derive': ingestion.IngestionJobKind.INGESTION_JOB_KIND_DERIVE,
};

export function jobKindFromProto(kind: ingestion.IngestionJobKind): string | undefined {
  for (const [name, value] of Object.entries(KIND_TO_PROTO)) if (value === kind) return name;
  return undefined;
}

function requestJson(job: Job): unknown {
  const p = job.params;
  return p !== null && typeof p === 'object' && !Array.isArray(p) ? p['request'] : undefined;
}

export function toIngestionJob(job: Job): ingestion.IngestionJob {
  const kind = KIND_TO_PROTO[job.kind] ?? ingestion.IngestionJobKind.INGESTION_JOB_KIND_UNSPECIFIED;
  const req = requestJson(job);
  const done = job.state === 'succeeded' && job.result !== undefined && job.result !== null;
  let request: ingestion.IngestionJob['request'];
  let result: ingestion.IngestionJob['result'];
  if (kind === ingestion.IngestionJobKind.INGESTION_JOB_KIND_ALIGN) {
    if (req !== undefined) request = { $case: 'alignRequest', value: ingestion.AlignStreamsRequest.fromJSON(req) };
    if (done) result = { $case: 'alignResult', value: ingestion.AlignResult.fromJSON(job.result) };
  } else if (kind === ingestion.IngestionJobKind.INGESTION_JOB_KIND_CONFIDENCE_FILTER) {
    if (req !== undefined) request = { $case: 'filterRequest', value: ingestion.FilterByConfidenceRequest.fromJSON(req) };
    if (done) result = { $case: 'filterResult', value: ingestion.FilterResult.fromJSON(job.result) };
  }
  const p = job.params;
  const createdBy = p !== null && typeof p === 'object' && !Array.isArray(p) && typeof p['created_by'] === 'string' ? p['created_by'] : '';
  return { status: toJobStatus(job), kind, request, result, createdBy };
}

/** The dataset a job works on (ingest: its spec; derive: the request's target; others: `params.dataset`). */
function jobDatasetOf(kind: string, p: JsonValue): string | undefined {
  if (p === null || typeof p !== 'object' || Array.isArray(p)) return undefined;
  const spec = p['spec'];
  if (spec !== null && typeof spec === 'object' && !Array.isArray(spec) && typeof spec['dataset'] === 'string') return spec['dataset'];
  if (typeof p['dataset'] === 'string' && p['dataset'] !== '') return p['dataset'];
  const request = p['request'];
  if (kind === 'ingestion.derive' && request !== null && typeof request === 'object' && !Array.isArray(request) && typeof request['dataset'] === 'string') {
    return request['dataset'];
  }
  return undefined;
}

/** The store subject of a dataset's jobs: ListJobs' `dataset` filter is a store lookup by it. */
export function datasetSubject(dataset: string): string {
  return `dataset:${dataset}`;
}

/**
 * A job's subjects, from its kind and params: given at submit, and used at
 * startup to backfill jobs an older build stored without subjects (one rule
 * for both, so old and new jobs answer the same filter).
 */
export function ingestionJobSubjects(kind: string, params: JsonValue): string[] {
  const dataset = jobDatasetOf(kind, params);
  return dataset ? [datasetSubject(dataset)] : [];
}

export function checkDatasetName(name: string, field: string): string {
  if (!DATASET_NAME.test(name)) throw errors.invalidArgument(field, 'must match [a-z0-9][a-z0-9._-]{0,127}', { reason: 'INVALID_DATASET_NAME' });
  return name;
}

/** A DatasetRef from a request: a valid name, a version >= 0 (0: the latest). */
export function checkRef(ref: common.DatasetRef | undefined, field: string): { dataset: string; version: number } {
  if (!ref) throw errors.invalidArgument(field, 'is required');
  const dataset = checkDatasetName(ref.name, `${field}.name`);
  if (!Number.isInteger(ref.snapshot) || ref.snapshot < 0) throw errors.invalidArgument(`${field}.snapshot`, 'must be >= 0 (0: the latest)');
  return { dataset, version: ref.snapshot };
}

/** Page size from a PageRequest: 0 → 50, at most 1000. */
export function pageSize(page: common.PageRequest | undefined): number {
  const n = page?.pageSize ?? 0;
  if (!Number.isInteger(n) || n < 0) throw errors.invalidArgument('page.page_size', 'must be >= 0');
  return n === 0 ? 50 : Math.min(n, 1000);
}
