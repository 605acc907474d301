/**
 * The OpenAPI entries of the ingestion routes (routes/ingestion-routes.ts),
 * kept apart from openapi.ts so that each service's document sits in one
 * file. Enum lists come from the contracts, spelled as the routes spell them.
 */
import { common as c, ingestion as I, PRECISION_NAMES } from '@l1g1/contracts';
import { enumNames } from './routes/ingestion/enum-names';
import { bool, en, err, int32, int64, intMap, jsonBody, num, numberMap, obj, ok, p, page, paging, ref, str, strList, stringMap, timestamp, type Json } from './openapi-helpers';

const errors = {
  '400': err('Bad input; `field` names what was wrong'),
  '404': err('Not found'),
  '409': err('Conflict (ABORTED)'),
  '415': err('Unsupported content type'),
  '429': err('Overloaded (Retry-After)'),
  '503': err('Ingestion service unavailable (Retry-After)'),
};
const dataset = p('dataset', 'path', { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,127}$', maxLength: 128 }, 'Dataset name');
const version = p('version', 'path', int32(1), 'Snapshot number');
const jobId = p('job_id', 'path', { type: 'string', maxLength: 128 }, 'Job id');

const datasetRef = obj({ name: str, snapshot: int32() }, ['name']);
const recordFilter = obj(
  { metadata_equals: stringMap, metadata_present: strList, content_type_prefix: str, min_timestamp_us: int64(), max_timestamp_us: int64() },
  [],
);
const cleaning = obj(
  {
    dedupe: en(I.DedupeMode, 'DEDUPE_MODE_'),
    near_dupe_threshold: { type: 'number', minimum: 0, maximum: 1 },
    min_length_chars: int32(),
    max_length_chars: int32(),
    languages: strList,
    min_language_confidence: { type: 'number', minimum: 0, maximum: 1 },
    pii: { type: 'array', items: en(I.PiiKind, 'PII_KIND_') },
    normalize_text: bool,
  },
  [],
);
const modelRef = obj({ name: str, version: int32(1), alias: str }, ['name']);

export const INGESTION_SCHEMAS: Record<string, Json> = {
  DatasetRef: datasetRef,
  IngestCounts: obj({
    files_read: { type: 'integer' },
    bytes_read: { type: 'integer' },
    rows_read: { type: 'integer' },
    rows_kept: { type: 'integer' },
    exact_duplicates: { type: 'integer' },
    near_duplicates: { type: 'integer' },
    filtered_length: { type: 'integer' },
    filtered_language: { type: 'integer' },
    rows_redacted: { type: 'integer' },
    redactions_by_kind: { ...intMap, description: 'PII kind (lowercase) -> redactions' },
    rows_failed: { type: 'integer' },
  }),
  RowError: obj({ file: str, row: { type: 'integer', description: '1-based line or row; 0 when the format has none' }, byte_offset: { type: 'integer' }, reason: str, message: str }),
  IngestResult: obj({
    snapshot: { oneOf: [ref('DatasetRef'), { type: 'null' }] },
    counts: ref('IngestCounts'),
    errors: { type: 'array', items: ref('RowError') },
    errors_truncated: bool,
    replayed: { type: 'boolean', description: 'true: an identical earlier upload answered; nothing was added' },
    duration_ms: { type: 'integer' },
  }),
  Dataset: obj({ name: str, latest_snapshot: { type: 'integer' }, snapshot_count: { type: 'integer' }, created_at: timestamp, updated_at: timestamp, privacy_budget_remaining: num }),
  DatasetList: obj({ datasets: { type: 'array', items: ref('Dataset') }, ...page }),
  Snapshot: obj({
    dataset: str,
    version: { type: 'integer' },
    description: str,
    tags: stringMap,
    record_count: { type: 'integer' },
    size_bytes: { type: 'integer' },
    content_sha256: str,
    parents: { type: 'array', items: ref('DatasetRef') },
    origin: { type: 'string', description: 'upload, derive, align, confidence_filter, label_export' },
    job_id: str,
    counts: ref('IngestCounts'),
    sources: { type: 'array', items: obj({ name: str, format: en(I.SourceFormat, 'SOURCE_FORMAT_'), sha256: str, size_bytes: { type: 'integer' }, rows_kept: { type: 'integer' } }) },
    content_types: intMap,
    metadata_keys: intMap,
    splits: intMap,
    created_at: timestamp,
    created_by: str,
  }),
  SnapshotList: obj({ snapshots: { type: 'array', items: ref('Snapshot') }, ...page }),
  Record: obj(
    {
      id: str,
      content_type: str,
      data: { type: 'string', description: 'The bytes as UTF-8, for text/* and JSON content types' },
      data_base64: { type: 'string', description: 'The bytes in base64, for every other content type' },
      metadata: stringMap,
      timestamp_us: { type: 'integer' },
      resume_token: { type: 'string', description: 'On the last record of each batch: pass as ?resume_token= to continue after it' },
    },
    ['id', 'content_type', 'metadata', 'timestamp_us'],
  ),
  Diff: obj({
    added: { type: 'integer' },
    removed: { type: 'integer' },
    metadata_changed: { type: 'integer' },
    unchanged: { type: 'integer' },
    changes: { type: 'array', items: obj({ record_id: str, kind: en(I.ChangeKind, 'CHANGE_KIND_'), metadata_before: stringMap, metadata_after: stringMap }) },
    ...page,
  }),
  Job: obj({
    job_id: str,
    kind: { type: 'string', description: 'The job runtime kind, e.g. ingestion.ingest, ingestion.align' },
    state: en(c.JobState, 'JOB_STATE_'),
    progress: { type: 'number', minimum: 0, maximum: 1 },
    message: str,
    counters: { ...numberMap, description: 'Named progress counters (bytes, files, records, errors ...)' },
    attempts: { type: 'integer' },
    max_attempts: { type: 'integer' },
    cancel_requested: bool,
    idempotency_key: str,
    error: { oneOf: [obj({ reason: str, field: str, message: str }), { type: 'null' }] },
    created_at: timestamp,
    started_at: timestamp,
    finished_at: timestamp,
    updated_at: timestamp,
    created_by: str,
    result: { type: ['object', 'null'], description: 'Once succeeded: {"align": {...}} or {"confidence_filter": {...}}' },
  }),
  JobList: obj({ jobs: { type: 'array', items: ref('Job') }, ...page }),
  ReviewItem: obj({
    id: str,
    source: { oneOf: [ref('DatasetRef'), { type: 'null' }] },
    record: { oneOf: [ref('Record'), { type: 'null' }] },
    reason: en(I.ReviewReason, 'REVIEW_REASON_'),
    given_label: str,
    predicted_label: str,
    confidence: num,
    threshold: num,
    model: { oneOf: [modelRef, { type: 'null' }] },
    job_id: str,
    state: en(I.ReviewState, 'REVIEW_STATE_'),
    decision: { type: 'string', enum: ['unspecified', ...enumNames(I.ReviewDecision, 'REVIEW_DECISION_')] },
    new_label: str,
    note: str,
    resolved_by: str,
    created_at: timestamp,
    resolved_at: timestamp,
  }),
  ReviewList: obj({ items: { type: 'array', items: ref('ReviewItem') }, ...page }),
  DpStatistics: obj({
    results: { type: 'array', items: obj({ name: str, epsilon_spent: num, values: { type: 'array', items: obj({ group: str, value: num, noise_scale: num }) } }) },
    epsilon_spent: num,
    budget_remaining: num,
  }),
};

const uploadBody = {
  required: true,
  content: {
    'application/octet-stream': { schema: { type: 'string', format: 'binary', description: 'One file (name in ?filename=); JSON/JSONL files go as octet-stream too' } },
    'application/x-tar': { schema: { type: 'string', format: 'binary', description: 'A tar archive, expanded by the service' } },
    'application/zip': { schema: { type: 'string', format: 'binary', description: 'A ZIP archive, expanded by the service' } },
    'application/gzip': { schema: { type: 'string', format: 'binary', description: 'A gzip file or tar.gz archive' } },
    'multipart/form-data': { schema: { type: 'object', description: 'Many files, one file part each (the part filename, with its folders, is the source name); no other fields' } },
  },
};

const uploadParams = [
  p('filename', 'query', str, 'Name of a raw body file (recorded as source_file; format detection uses its extension)'),
  p('format', 'query', en(I.SourceFormat, 'SOURCE_FORMAT_'), 'Parser for every file; absent: detected per file'),
  p('write_mode', 'query', en(I.WriteMode, 'WRITE_MODE_'), 'replace (default): the snapshot holds this upload; append: the base snapshot plus this upload'),
  p('base_snapshot', 'query', int32(), 'append: the snapshot to build on; 0 = the latest'),
  p('dedupe', 'query', en(I.DedupeMode, 'DEDUPE_MODE_'), 'exact (default), near (MinHash-LSH) or none'),
  p('near_dupe_threshold', 'query', { type: 'number', minimum: 0, maximum: 1 }),
  p('dedupe_against_base', 'query', bool),
  p('min_length_chars', 'query', int32()),
  p('max_length_chars', 'query', int32()),
  p('languages', 'query', str, 'Comma-separated ISO 639-1 codes or scripts to keep (zh, ja, ko, el, he, th, ka, hy are told apart; a code of a Latin, Cyrillic, Arabic or Devanagari language such as en keeps its whole script)'),
  p('min_language_confidence', 'query', { type: 'number', minimum: 0, maximum: 1 }),
  p('pii', 'query', str, `Comma-separated PII kinds to redact: ${enumNames(I.PiiKind, 'PII_KIND_').join(', ')}`),
  p('pii_replacement', 'query', str, 'Default "[{kind}]"'),
  p('pii_include_metadata', 'query', bool),
  p('normalize_text', 'query', bool, 'NFKC + whitespace; default true'),
  p('idempotency_key', 'query', str, 'Same key and options: the first result is replayed'),
  p('description', 'query'),
  p('tags', 'query', str, 'JSON object of strings'),
  p('record_metadata', 'query', str, 'JSON object of strings added to every record'),
  p('max_errors', 'query', int64(), 'Abort once this many rows failed; 0 = never'),
  p('label_from_folder', 'query', bool, 'multipart: the folder of each file part becomes its records\' metadata label'),
  p('text_split', 'query', en(I.TextSplit, 'TEXT_SPLIT_'), 'Text files: one record per file, line or paragraph'),
  p('encoding', 'query', str, 'Text files: utf-8 (default), latin1, windows-1252 ...'),
  p('data_field', 'query', str, 'jsonl: field / csv, parquet: column whose value becomes data'),
  p('id_field', 'query', str, 'jsonl: field / csv, parquet: column used as the record id'),
  p('timestamp_field', 'query', str, 'jsonl: field / csv, parquet: column holding the record time'),
  p('delimiter', 'query', { type: 'string', maxLength: 1 }, 'csv: one character; default ","'),
  p('image_max_side_px', 'query', { type: 'integer', minimum: 0, maximum: 16384 }, 'Images: resize so the longest side is at most this (aspect kept, never enlarged); 0 = no resize. A normalised image is stored as PNG'),
  p('image_grayscale', 'query', bool, 'Images: convert to one 8-bit grey channel'),
  p('image_equalize', 'query', bool, 'Images: global histogram equalisation of the grey channel (needs image_grayscale)'),
];

const readParams = [
  p('split', 'query', str, 'Only records whose metadata split equals this'),
  p('limit', 'query', int64(), 'Stop after this many records; 0 = all'),
  p('resume_token', 'query', str, 'The last resume_token read: continue after its batch'),
  p('batch_size', 'query', { type: 'integer', minimum: 0, maximum: 4096 }),
  p('shard_index', 'query', int32()),
  p('shard_count', 'query', int32()),
  p('metadata_only', 'query', bool),
];
const ndjson = (description: string): Json => ({ description, content: { 'application/x-ndjson': { schema: ref('Record') } } });
const jobAccepted = { '202': ok('Job accepted (Location: the job)', ref('Job')) };

export const INGESTION_PATHS: Json = {
  '/v1/datasets': {
    get: { summary: 'List datasets', parameters: [...paging, p('query', 'query', str, 'Case-insensitive substring of the name')], responses: { '200': ok('Datasets', ref('DatasetList')), ...errors } },
  },
  '/v1/datasets/{dataset}': {
    parameters: [dataset],
    get: { summary: 'A dataset: latest snapshot, snapshot count, privacy budget left', responses: { '200': ok('Dataset', ref('Dataset')), ...errors } },
  },
  '/v1/datasets/{dataset}/uploads': {
    parameters: [dataset],
    post: {
      summary: 'Upload files into a new snapshot (streamed, never buffered): a raw file, an archive, or multipart/form-data with many files; idempotent by content',
      parameters: uploadParams,
      requestBody: uploadBody,
      responses: { '201': ok('Snapshot made (Location)', ref('IngestResult')), '200': ok('Replay of an identical earlier upload', ref('IngestResult')), '413': err('Upload over the limit'), ...errors },
    },
  },
  '/v1/datasets/{dataset}/snapshots': {
    parameters: [dataset],
    get: { summary: 'List snapshots', parameters: paging, responses: { '200': ok('Snapshots', ref('SnapshotList')), ...errors } },
    post: {
      summary: 'Derive a snapshot (merge, filter, re-clean, split, sample, review decisions) without re-uploading; sources default to the dataset\'s latest',
      requestBody: jsonBody(
        obj(
          {
            sources: { type: 'array', items: ref('DatasetRef') },
            filter: recordFilter,
            cleaning,
            split: obj({ fractions: numberMap, stratify_by: str, seed: { type: 'integer' } }, ['fractions']),
            apply_review_decisions: bool,
            sample_size: int64(),
            sample_seed: { type: 'integer' },
            description: str,
            tags: stringMap,
            idempotency_key: str,
          },
          [],
        ),
      ),
      responses: { '201': ok('Snapshot', ref('Snapshot')), ...errors },
    },
  },
  '/v1/datasets/{dataset}/snapshots/{version}': {
    parameters: [dataset, version],
    get: { summary: 'A snapshot: counts, cleaning report, sources, splits, content hash', responses: { '200': ok('Snapshot', ref('Snapshot')), ...errors } },
  },
  '/v1/datasets/{dataset}/snapshots/{version}/records': {
    parameters: [dataset, version],
    get: { summary: 'The records as NDJSON (streamed; resume with resume_token)', parameters: readParams, responses: { '200': ndjson('One record per line'), ...errors } },
  },
  '/v1/datasets/{dataset}/snapshots/{version}/download': {
    parameters: [dataset, version],
    get: {
      summary:
        "The snapshot's Parquet file as published (ETag = its sha256, If-None-Match → 304, Range → 206), or with format=ndjson its records as an NDJSON attachment (the read filters apply)",
      parameters: [p('format', 'query', { type: 'string', enum: ['parquet', 'ndjson'], default: 'parquet' }, 'parquet: the file; ndjson: one record per line'), ...readParams],
      responses: {
        '200': {
          description: 'The Parquet file (or NDJSON records with format=ndjson), as an attachment',
          content: { 'application/vnd.apache.parquet': { schema: { type: 'string', format: 'binary' } }, 'application/x-ndjson': { schema: ref('Record') } },
        },
        '206': { description: 'The requested byte range of the Parquet file (Content-Range)', content: { 'application/vnd.apache.parquet': { schema: { type: 'string', format: 'binary' } } } },
        '304': { description: 'If-None-Match named the file\'s ETag' },
        '416': err('Range outside the file'),
        ...errors,
      },
    },
  },
  '/v1/datasets/{dataset}/diff': {
    parameters: [dataset],
    get: {
      summary: 'Records added, removed and changed between two snapshots',
      parameters: [p('from', 'query', int32(1)), p('to', 'query', int32(1)), p('include_changes', 'query', bool), ...paging],
      responses: { '200': ok('Diff', ref('Diff')), ...errors },
    },
  },
  '/v1/datasets/{dataset}/dp-statistics': {
    parameters: [dataset],
    post: {
      summary: 'Differentially private counts, sums and means; each query spends its epsilon from the dataset\'s budget',
      requestBody: jsonBody(
        obj(
          {
            snapshot: int32(),
            queries: {
              type: 'array',
              minItems: 1,
              items: obj(
                { name: str, aggregate: en(I.DpAggregate, 'DP_AGGREGATE_'), field: str, lower_bound: num, upper_bound: num, epsilon: { type: 'number', exclusiveMinimum: 0 }, filter: recordFilter, group_by: str, groups: strList },
                ['aggregate', 'epsilon'],
              ),
            },
          },
          ['queries'],
        ),
      ),
      responses: { '200': ok('Noisy results and the budget left', ref('DpStatistics')), ...errors },
    },
  },
  '/v1/ingestion/align': {
    post: {
      summary: 'Align timestamped streams into a new snapshot (a job)',
      requestBody: jsonBody(
        obj(
          {
            streams: { type: 'array', minItems: 2, items: obj({ name: str, snapshot: ref('DatasetRef'), filter: recordFilter, clock_offset_us: { type: 'integer' }, estimate_offset: bool }, ['name', 'snapshot']) },
            tolerance_us: int64(1),
            match: en(I.AlignMatch, 'ALIGN_MATCH_'),
            keep_partial: bool,
            output_dataset: str,
            description: str,
            idempotency_key: str,
          },
          ['streams', 'tolerance_us'],
        ),
      ),
      responses: { ...jobAccepted, ...errors },
    },
  },
  '/v1/ingestion/confidence-filter': {
    post: {
      summary: 'Score records with a served model and keep the confident ones; the rest go to the review queue (a job)',
      requestBody: jsonBody(
        obj(
          {
            snapshot: ref('DatasetRef'),
            model: modelRef,
            precision: { type: 'string', enum: [...PRECISION_NAMES.values()] },
            label_field: str,
            mode: en(I.ThresholdMode, 'THRESHOLD_MODE_'),
            threshold: { type: 'number', minimum: 0, maximum: 1 },
            class_thresholds: numberMap,
            class_names: strList,
            input_name: str,
            output_name: str,
            batch_size: int32(),
            drop_disagreements: bool,
            output_dataset: str,
            idempotency_key: str,
            rounds: { type: 'integer', minimum: 0, maximum: 10, description: 'Filter rounds; 0 = 1' },
          },
          ['snapshot', 'model'],
        ),
      ),
      responses: { ...jobAccepted, ...errors },
    },
  },
  '/v1/ingestion/review': {
    get: {
      summary: 'The review queue (pending by default)',
      parameters: [p('dataset'), p('state', 'query', en(I.ReviewState, 'REVIEW_STATE_')), p('reason', 'query', en(I.ReviewReason, 'REVIEW_REASON_')), p('job_id'), ...paging],
      responses: { '200': ok('Items', ref('ReviewList')), ...errors },
    },
  },
  '/v1/ingestion/review/{item_id}/resolve': {
    parameters: [p('item_id', 'path', { type: 'string', maxLength: 128 })],
    post: {
      summary: 'Resolve a review item: keep, relabel (new_label) or discard',
      requestBody: jsonBody(obj({ decision: en(I.ReviewDecision, 'REVIEW_DECISION_'), new_label: str, note: str }, ['decision'])),
      responses: { '200': ok('Item', ref('ReviewItem')), ...errors },
    },
  },
  '/v1/ingestion/jobs': {
    get: {
      summary: 'Ingestion jobs',
      parameters: [p('kind', 'query', en(I.IngestionJobKind, 'INGESTION_JOB_KIND_')), p('state', 'query', en(c.JobState, 'JOB_STATE_')), p('dataset'), ...paging],
      responses: { '200': ok('Jobs', ref('JobList')), ...errors },
    },
  },
  '/v1/ingestion/jobs/{job_id}': {
    parameters: [jobId],
    get: { summary: 'A job: state, progress, counters, result', responses: { '200': ok('Job', ref('Job')), ...errors } },
  },
  '/v1/ingestion/jobs/{job_id}:cancel': {
    parameters: [jobId],
    post: { summary: 'Cancel a job (never publishes a partial snapshot)', responses: { '200': ok('Job', ref('Job')), ...errors } },
  },
  '/v1/ingestion/jobs/{job_id}/events': {
    parameters: [jobId],
    get: {
      summary: 'Server-Sent Events of a job: event progress {job_id, state, progress, counters, message}, event state (Job); ends after the terminal state',
      responses: { '200': { description: 'text/event-stream', content: { 'text/event-stream': { schema: ref('Job') } } }, ...errors },
    },
  },
};
