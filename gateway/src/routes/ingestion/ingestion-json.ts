/**
 * Ingestion messages as `/v1` JSON: snake_case names, lowercase enums,
 * RFC 3339 timestamps. Spelled out per message (as in rest-json.ts) because
 * user-chosen map keys (metadata, tags, split names) must pass untouched and
 * the OpenAPI schemas in openapi-ingestion.ts describe exactly these shapes.
 */
import { common, ingestion } from '@l1g1/contracts';
import { enumName, lowercaseKeys } from './enum-names';

const I = ingestion;
const timestamp = (d: Date | undefined): string | null => (d ? d.toISOString() : null);

export function datasetRefJson(r: common.DatasetRef | undefined) {
  return r ? { name: r.name, snapshot: r.snapshot } : null;
}

function modelRefJson(r: common.ModelRef | undefined) {
  if (!r) return null;
  return { name: r.name, ...(r.selector?.$case === 'version' ? { version: r.selector.value } : r.selector?.$case === 'alias' ? { alias: r.selector.value } : {}) };
}

function pageJson(p: common.PageResponse | undefined) {
  return { next_page_token: p?.nextPageToken ?? '', total_size: p?.totalSize ?? 0 };
}

export const formatName = (f: ingestion.SourceFormat): string => enumName(I.SourceFormat, 'SOURCE_FORMAT_', f);

export function countsJson(c: ingestion.IngestCounts | undefined) {
  return {
    files_read: c?.filesRead ?? 0,
    bytes_read: c?.bytesRead ?? 0,
    rows_read: c?.rowsRead ?? 0,
    rows_kept: c?.rowsKept ?? 0,
    exact_duplicates: c?.exactDuplicates ?? 0,
    near_duplicates: c?.nearDuplicates ?? 0,
    filtered_length: c?.filteredLength ?? 0,
    filtered_language: c?.filteredLanguage ?? 0,
    rows_redacted: c?.rowsRedacted ?? 0,
    // Keys are PII kind names: lowercase like every other enum of the dialect.
    redactions_by_kind: lowercaseKeys(c?.redactionsByKind ?? {}),
    rows_failed: c?.rowsFailed ?? 0,
  };
}

export function rowErrorJson(e: ingestion.RowError) {
  return { file: e.file, row: e.row, byte_offset: e.byteOffset, reason: e.reason, message: e.message };
}

export function ingestResultJson(r: ingestion.IngestResult) {
  return {
    snapshot: datasetRefJson(r.snapshot),
    counts: countsJson(r.counts),
    errors: r.errors.map(rowErrorJson),
    errors_truncated: r.errorsTruncated,
    replayed: r.replayed,
    duration_ms: r.durationMs,
  };
}

export function datasetJson(d: ingestion.Dataset) {
  return {
    name: d.name,
    latest_snapshot: d.latestSnapshot,
    snapshot_count: d.snapshotCount,
    created_at: timestamp(d.createdAt),
    updated_at: timestamp(d.updatedAt),
    privacy_budget_remaining: d.privacyBudgetRemaining,
  };
}

export function listDatasetsJson(r: ingestion.ListDatasetsResponse) {
  return { datasets: r.datasets.map(datasetJson), ...pageJson(r.page) };
}

export function snapshotJson(s: ingestion.Snapshot) {
  return {
    dataset: s.dataset,
    version: s.version,
    description: s.description,
    tags: s.tags,
    record_count: s.recordCount,
    size_bytes: s.sizeBytes,
    content_sha256: s.contentSha256,
    parents: s.parents.map((p) => ({ name: p.name, snapshot: p.snapshot })),
    origin: s.origin,
    job_id: s.jobId,
    counts: countsJson(s.counts),
    sources: s.sources.map((f) => ({ name: f.name, format: formatName(f.format), sha256: f.sha256, size_bytes: f.sizeBytes, rows_kept: f.rowsKept })),
    content_types: s.contentTypes,
    metadata_keys: s.metadataKeys,
    splits: s.splits,
    created_at: timestamp(s.createdAt),
    created_by: s.createdBy,
  };
}

export function listSnapshotsJson(r: ingestion.ListSnapshotsResponse) {
  return { snapshots: r.snapshots.map(snapshotJson), ...pageJson(r.page) };
}

export function diffJson(d: ingestion.DiffSnapshotsResponse) {
  return {
    added: d.added,
    removed: d.removed,
    metadata_changed: d.metadataChanged,
    unchanged: d.unchanged,
    changes: d.changes.map((c) => ({
      record_id: c.recordId,
      kind: enumName(I.ChangeKind, 'CHANGE_KIND_', c.kind),
      metadata_before: c.metadataBefore,
      metadata_after: c.metadataAfter,
    })),
    ...pageJson(d.page),
  };
}

/** Content types whose bytes are text: sent as `data`; anything else as `data_base64`. */
function isTextual(contentType: string): boolean {
  return contentType.startsWith('text/') || contentType === 'application/json' || contentType.endsWith('+json') || contentType === '';
}

/** One record of a snapshot (an NDJSON line of `/records`). */
export function recordJson(r: common.Record) {
  const data = Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength);
  return {
    id: r.id,
    content_type: r.contentType,
    ...(isTextual(r.contentType) ? { data: data.toString('utf8') } : { data_base64: data.toString('base64') }),
    metadata: r.metadata,
    timestamp_us: r.timestampUs,
  };
}

export function reviewItemJson(i: ingestion.ReviewItem) {
  return {
    id: i.id,
    source: datasetRefJson(i.source),
    record: i.record ? recordJson(i.record) : null,
    reason: enumName(I.ReviewReason, 'REVIEW_REASON_', i.reason),
    given_label: i.givenLabel,
    predicted_label: i.predictedLabel,
    confidence: i.confidence,
    threshold: i.threshold,
    model: modelRefJson(i.model),
    job_id: i.jobId,
    state: enumName(I.ReviewState, 'REVIEW_STATE_', i.state),
    decision: enumName(I.ReviewDecision, 'REVIEW_DECISION_', i.decision),
    new_label: i.newLabel,
    note: i.note,
    resolved_by: i.resolvedBy,
    created_at: timestamp(i.createdAt),
    resolved_at: timestamp(i.resolvedAt),
  };
}

export function listReviewJson(r: ingestion.ListReviewQueueResponse) {
  return { items: r.items.map(reviewItemJson), ...pageJson(r.page) };
}

export function dpJson(r: ingestion.ComputeDpStatisticsResponse) {
  return {
    results: r.results.map((x) => ({ name: x.name, epsilon_spent: x.epsilonSpent, values: x.values.map((v) => ({ group: v.group, value: v.value, noise_scale: v.noiseScale })) })),
    epsilon_spent: r.epsilonSpent,
    budget_remaining: r.budgetRemaining,
  };
}

function resultJson(j: ingestion.IngestionJob) {
  const r = j.result;
  if (r?.$case === 'alignResult') {
    const a = r.value;
    return {
      align: {
        output: datasetRefJson(a.output),
        anchor_records: a.anchorRecords,
        fully_aligned: a.fullyAligned,
        partially_aligned: a.partiallyAligned,
        dropped: a.dropped,
        unmatched_by_stream: a.unmatchedByStream,
        mean_abs_delta_us_by_stream: a.meanAbsDeltaUsByStream,
        offset_us_by_stream: a.offsetUsByStream,
        unmatched_ids_by_stream: Object.fromEntries(Object.entries(a.unmatchedIdsByStream).map(([k, v]) => [k, { ids: v.ids, truncated: v.truncated }])),
      },
    };
  }
  if (r?.$case === 'filterResult') {
    const f = r.value;
    return {
      confidence_filter: {
        output: datasetRefJson(f.output),
        scored: f.scored,
        kept: f.kept,
        sent_to_review: f.sentToReview,
        unlabelled: f.unlabelled,
        thresholds: f.thresholds,
        sent_to_review_by_class: f.sentToReviewByClass,
        model: modelRefJson(f.model),
      },
    };
  }
  return null;
}

export const jobStateName = (s: common.JobState): string => enumName(common.JobState, 'JOB_STATE_', s);
const TERMINAL = new Set([common.JobState.JOB_STATE_SUCCEEDED, common.JobState.JOB_STATE_FAILED, common.JobState.JOB_STATE_CANCELLED]);
export const isTerminal = (s: common.JobState | undefined): boolean => s !== undefined && TERMINAL.has(s);

/** A job: its status flattened (the runtime's kind, e.g. `ingestion.ingest`), and its result once it succeeded. */
export function jobJson(j: ingestion.IngestionJob) {
  const s = j.status;
  return {
    job_id: s?.jobId ?? '',
    kind: s?.kind ?? '',
    state: jobStateName(s?.state ?? 0),
    progress: s?.progress ?? 0,
    message: s?.message ?? '',
    counters: s?.counters ?? {},
    attempts: s?.attempts ?? 0,
    max_attempts: s?.maxAttempts ?? 0,
    cancel_requested: s?.cancelRequested ?? false,
    idempotency_key: s?.idempotencyKey ?? '',
    error: s?.error ? { reason: s.error.reason, field: s.error.field, message: s.error.message } : null,
    created_at: timestamp(s?.createdAt),
    started_at: timestamp(s?.startedAt),
    finished_at: timestamp(s?.finishedAt),
    updated_at: timestamp(s?.updatedAt),
    created_by: j.createdBy,
    result: resultJson(j),
  };
}

export function listJobsJson(r: ingestion.ListJobsResponse) {
  return { jobs: r.jobs.map(jobJson), ...pageJson(r.page) };
}
