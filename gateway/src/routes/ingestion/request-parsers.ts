/**
 * `/v1` JSON bodies and query strings into ingestion requests. Every value
 * is checked against the proto field it becomes, so that a bad one is a 400
 * naming it before any upstream call (never our serializer's INTERNAL, never
 * a breaker failure).
 */
import { common, ingestion } from '@l1g1/contracts';
import { errors } from '@l1g1/kit';
import { INT32_MAX, INT64_SAFE_MAX, intParam, numberMap, objectBody, onlyFields, optionalString, stringMap } from '../common';
import { parseEnum } from './enum-names';
import { parsePrecision } from '../../rest-json';

const I = ingestion;
export type Query = Record<string, string | undefined>;

/** The dataset name rule of the contract, checked here so a typo is a 400 without a round trip. */
const DATASET_NAME = /^[a-z0-9][a-z0-9._-]{0,127}$/;

export function datasetName(value: unknown, field = 'dataset'): string {
  if (typeof value !== 'string' || !DATASET_NAME.test(value)) {
    throw errors.invalidArgument(field, 'must match [a-z0-9][a-z0-9._-]{0,127} (lowercase letters, digits, dot, underscore, dash)');
  }
  return value;
}

export function page(q: Query): common.PageRequest {
  return { pageSize: intParam(q['page_size'], 'page_size', { fallback: 0 }), pageToken: q['page_token'] ?? '' };
}

/** `true`/`1`/`false`/`0` (or absent) in a query string. */
export function boolQuery(value: string | undefined, field: string): boolean {
  if (value === undefined || value === '' || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw errors.invalidArgument(field, `must be true or false, got ${JSON.stringify(value.slice(0, 40))}`);
}

/** A finite number from a query string or JSON value, within [min, max]. */
export function numberParam(value: unknown, field: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+(\.\d+)?(e-?\d+)?$/i.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n) || n < min || n > max) throw errors.invalidArgument(field, `must be a number between ${min} and ${max}, got ${JSON.stringify(String(value).slice(0, 40))}`);
  return n;
}

export function boolJson(value: unknown, field: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw errors.invalidArgument(field, 'must be true or false');
  return value;
}

export function stringList(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw errors.invalidArgument(field, 'must be an array of strings');
  return value as string[];
}

/** `a,b,c` in a query string (empty items dropped). */
export function csvQuery(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function jsonQuery(value: string | undefined, field: string): unknown {
  if (value === undefined || value === '') return undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw errors.invalidArgument(field, 'must be JSON');
  }
}

// ------------------------------------------------------------------ upload

/** Query parameters `POST /v1/datasets/{dataset}/uploads` takes (each documented in the OpenAPI entry). */
export const UPLOAD_QUERY = [
  'filename', 'format', 'write_mode', 'base_snapshot', 'dedupe', 'near_dupe_threshold', 'dedupe_against_base', 'min_length_chars', 'max_length_chars',
  'languages', 'min_language_confidence', 'pii', 'pii_replacement', 'pii_include_metadata', 'normalize_text', 'idempotency_key', 'description', 'tags',
  'record_metadata', 'max_errors', 'label_from_folder', 'text_split', 'encoding', 'data_field', 'id_field', 'timestamp_field', 'delimiter',
  'image_max_side_px', 'image_grayscale', 'image_equalize',
] as const;

/** The service's bound on `image.max_side_px`, checked here so the query parameter is the field named. */
const IMAGE_MAX_SIDE_PX = 16_384;

/** `image_*` query parameters → ImageNormalization (undefined when none is set). */
function imageNormalization(q: Query): ingestion.ImageNormalization | undefined {
  if (q['image_max_side_px'] === undefined && q['image_grayscale'] === undefined && q['image_equalize'] === undefined) return undefined;
  const grayscale = boolQuery(q['image_grayscale'], 'image_grayscale');
  const equalizeHistogram = boolQuery(q['image_equalize'], 'image_equalize');
  if (equalizeHistogram && !grayscale) throw errors.invalidArgument('image_equalize', 'equalises the grey channel: set image_grayscale=true too');
  return { maxSidePx: intParam(q['image_max_side_px'], 'image_max_side_px', { fallback: 0, max: IMAGE_MAX_SIDE_PX }), grayscale, equalizeHistogram };
}

function formatOptions(format: ingestion.SourceFormat, q: Query): ingestion.IngestHeader['formatOptions'] {
  const F = I.SourceFormat;
  const textSplit = parseEnum(I.TextSplit, 'TEXT_SPLIT_', q['text_split'], 'text_split');
  const dataField = q['data_field'] ?? '';
  const idField = q['id_field'] ?? '';
  const timestampField = q['timestamp_field'] ?? '';
  const delimiter = q['delimiter'] ?? '';
  if (delimiter.length > 1) throw errors.invalidArgument('delimiter', 'must be one character');
  if (format === F.SOURCE_FORMAT_JSONL) return { $case: 'jsonl', value: { dataField, idField, metadataFields: [], timestampField } };
  if (format === F.SOURCE_FORMAT_CSV) return { $case: 'csv', value: { delimiter, hasHeader: undefined, dataColumn: dataField, idColumn: idField, timestampColumn: timestampField } };
  if (format === F.SOURCE_FORMAT_PARQUET) return { $case: 'parquet', value: { dataColumn: dataField, idColumn: idField, metadataColumns: [], timestampColumn: timestampField } };
  if (textSplit !== 0 || q['encoding']) return { $case: 'text', value: { split: textSplit, encoding: q['encoding'] ?? '' } };
  return undefined;
}

function piiKinds(value: string | undefined): ingestion.PiiKind[] {
  return csvQuery(value).map((k) => parseEnum(I.PiiKind, 'PII_KIND_', k, 'pii') as ingestion.PiiKind);
}

/** The upload header from the query string (the body is the file or files). */
export function uploadHeader(dataset: string, q: Query): ingestion.IngestHeader {
  const unknown = Object.keys(q).find((k) => !(UPLOAD_QUERY as readonly string[]).includes(k));
  if (unknown !== undefined) throw errors.invalidArgument(unknown, `is not a parameter of uploads (it takes: ${UPLOAD_QUERY.join(', ')})`, { reason: 'UNKNOWN_FIELD' });
  const format = parseEnum(I.SourceFormat, 'SOURCE_FORMAT_', q['format'], 'format') as ingestion.SourceFormat;
  const writeMode = parseEnum(I.WriteMode, 'WRITE_MODE_', q['write_mode'], 'write_mode') as ingestion.WriteMode;
  const baseSnapshot = intParam(q['base_snapshot'], 'base_snapshot', { fallback: 0 });
  if (baseSnapshot !== 0 && writeMode !== I.WriteMode.WRITE_MODE_APPEND) throw errors.invalidArgument('base_snapshot', 'needs write_mode=append');
  return {
    dataset: datasetName(dataset),
    format,
    formatOptions: formatOptions(format, q),
    cleaning: {
      dedupe: parseEnum(I.DedupeMode, 'DEDUPE_MODE_', q['dedupe'], 'dedupe') as ingestion.DedupeMode,
      nearDupeThreshold: numberParam(q['near_dupe_threshold'], 'near_dupe_threshold', 0, 1),
      dedupeAgainstBase: boolQuery(q['dedupe_against_base'], 'dedupe_against_base'),
      minLengthChars: intParam(q['min_length_chars'], 'min_length_chars', { fallback: 0 }),
      maxLengthChars: intParam(q['max_length_chars'], 'max_length_chars', { fallback: 0 }),
      languages: csvQuery(q['languages']),
      minLanguageConfidence: numberParam(q['min_language_confidence'], 'min_language_confidence', 0, 1),
      pii: { kinds: piiKinds(q['pii']), replacement: q['pii_replacement'] ?? '', includeMetadata: boolQuery(q['pii_include_metadata'], 'pii_include_metadata') },
      normalizeText: q['normalize_text'] === undefined || q['normalize_text'] === '' ? undefined : boolQuery(q['normalize_text'], 'normalize_text'),
      image: imageNormalization(q),
    },
    writeMode,
    baseSnapshot,
    idempotencyKey: q['idempotency_key'] ?? '',
    description: q['description'] ?? '',
    tags: stringMap(jsonQuery(q['tags'], 'tags'), 'tags'),
    recordMetadata: stringMap(jsonQuery(q['record_metadata'], 'record_metadata'), 'record_metadata'),
    maxErrors: intParam(q['max_errors'], 'max_errors', { fallback: 0, max: INT64_SAFE_MAX }),
  };
}

// ------------------------------------------------------------------ JSON bodies

export function datasetRef(value: unknown, field: string): common.DatasetRef {
  const b = onlyFields(objectBody(value, field), ['name', 'snapshot']);
  return { name: datasetName(b['name'], `${field}.name`), snapshot: intParam(b['snapshot'], `${field}.snapshot`, { fallback: 0 }) };
}

export function recordFilter(value: unknown, field = 'filter'): ingestion.RecordFilter | undefined {
  if (value === undefined || value === null) return undefined;
  const b = onlyFields(objectBody(value, field), ['metadata_equals', 'metadata_present', 'content_type_prefix', 'min_timestamp_us', 'max_timestamp_us']);
  return {
    metadataEquals: stringMap(b['metadata_equals'], `${field}.metadata_equals`),
    metadataPresent: stringList(b['metadata_present'], `${field}.metadata_present`),
    contentTypePrefix: optionalString(b['content_type_prefix'], `${field}.content_type_prefix`) ?? '',
    minTimestampUs: intParam(b['min_timestamp_us'], `${field}.min_timestamp_us`, { fallback: 0, max: INT64_SAFE_MAX }),
    maxTimestampUs: intParam(b['max_timestamp_us'], `${field}.max_timestamp_us`, { fallback: 0, max: INT64_SAFE_MAX }),
  };
}

function cleaning(value: unknown, field = 'cleaning'): ingestion.CleaningOptions | undefined {
  if (value === undefined || value === null) return undefined;
  const b = onlyFields(objectBody(value, field), ['dedupe', 'near_dupe_threshold', 'min_length_chars', 'max_length_chars', 'languages', 'min_language_confidence', 'pii', 'normalize_text']);
  return {
    dedupe: parseEnum(I.DedupeMode, 'DEDUPE_MODE_', b['dedupe'], `${field}.dedupe`) as ingestion.DedupeMode,
    nearDupeThreshold: numberParam(b['near_dupe_threshold'], `${field}.near_dupe_threshold`, 0, 1),
    dedupeAgainstBase: false,
    minLengthChars: intParam(b['min_length_chars'], `${field}.min_length_chars`, { fallback: 0 }),
    maxLengthChars: intParam(b['max_length_chars'], `${field}.max_length_chars`, { fallback: 0 }),
    languages: stringList(b['languages'], `${field}.languages`),
    minLanguageConfidence: numberParam(b['min_language_confidence'], `${field}.min_language_confidence`, 0, 1),
    pii: { kinds: stringList(b['pii'], `${field}.pii`).map((k) => parseEnum(I.PiiKind, 'PII_KIND_', k, `${field}.pii`) as ingestion.PiiKind), replacement: '', includeMetadata: false },
    normalizeText: b['normalize_text'] === undefined ? undefined : boolJson(b['normalize_text'], `${field}.normalize_text`),
    // Image normalisation applies at upload only (the service refuses it on derivations).
    image: undefined,
  };
}

function seed(value: unknown, field: string): number | undefined {
  return value === undefined || value === null ? undefined : intParam(value, field, { min: -INT64_SAFE_MAX, max: INT64_SAFE_MAX });
}

/** `POST /v1/datasets/{dataset}/snapshots`: derive a snapshot (default source: the dataset's latest). */
export function createSnapshotRequest(dataset: string, body: unknown): ingestion.CreateSnapshotRequest {
  const b = onlyFields(objectBody(body), ['sources', 'filter', 'cleaning', 'split', 'apply_review_decisions', 'sample_size', 'sample_seed', 'description', 'tags', 'idempotency_key']);
  const name = datasetName(dataset);
  if (b['sources'] !== undefined && !Array.isArray(b['sources'])) throw errors.invalidArgument('sources', 'must be an array of {name, snapshot}');
  const sources = ((b['sources'] as unknown[] | undefined) ?? []).map((s, i) => datasetRef(s, `sources[${i}]`));
  let split: ingestion.SplitSpec | undefined;
  if (b['split'] !== undefined && b['split'] !== null) {
    const s = onlyFields(objectBody(b['split'], 'split'), ['fractions', 'stratify_by', 'seed']);
    split = { fractions: numberMap(s['fractions'], 'split.fractions'), stratifyBy: optionalString(s['stratify_by'], 'split.stratify_by') ?? '', seed: seed(s['seed'], 'split.seed') };
  }
  return {
    dataset: name,
    sources: sources.length > 0 ? sources : [{ name, snapshot: 0 }],
    filter: recordFilter(b['filter']),
    cleaning: cleaning(b['cleaning']),
    split,
    applyReviewDecisions: boolJson(b['apply_review_decisions'], 'apply_review_decisions'),
    sampleSize: intParam(b['sample_size'], 'sample_size', { fallback: 0, max: INT64_SAFE_MAX }),
    sampleSeed: seed(b['sample_seed'], 'sample_seed'),
    description: optionalString(b['description'], 'description') ?? '',
    tags: stringMap(b['tags'], 'tags'),
    idempotencyKey: optionalString(b['idempotency_key'], 'idempotency_key') ?? '',
  };
}

export function alignRequest(body: unknown): ingestion.AlignStreamsRequest {
  const b = onlyFields(objectBody(body), ['streams', 'tolerance_us', 'match', 'keep_partial', 'output_dataset', 'description', 'idempotency_key']);
  if (!Array.isArray(b['streams'])) throw errors.invalidArgument('streams', 'is required: an array of at least two {name, snapshot, filter, clock_offset_us}');
  const streams = (b['streams'] as unknown[]).map((v, i) => {
    const s = onlyFields(objectBody(v, `streams[${i}]`), ['name', 'snapshot', 'filter', 'clock_offset_us', 'estimate_offset']);
    return {
      name: optionalString(s['name'], `streams[${i}].name`) ?? '',
      snapshot: datasetRef(s['snapshot'], `streams[${i}].snapshot`),
      filter: recordFilter(s['filter'], `streams[${i}].filter`),
      clockOffsetUs: intParam(s['clock_offset_us'], `streams[${i}].clock_offset_us`, { fallback: 0, min: -INT64_SAFE_MAX, max: INT64_SAFE_MAX }),
      estimateOffset: boolJson(s['estimate_offset'], `streams[${i}].estimate_offset`),
    };
  });
  const output = optionalString(b['output_dataset'], 'output_dataset');
  return {
    streams,
    toleranceUs: intParam(b['tolerance_us'], 'tolerance_us', { min: 1, max: INT64_SAFE_MAX }),
    match: parseEnum(I.AlignMatch, 'ALIGN_MATCH_', b['match'], 'match') as ingestion.AlignMatch,
    keepPartial: boolJson(b['keep_partial'], 'keep_partial'),
    outputDataset: output === undefined ? '' : datasetName(output, 'output_dataset'),
    description: optionalString(b['description'], 'description') ?? '',
    idempotencyKey: optionalString(b['idempotency_key'], 'idempotency_key') ?? '',
  };
}

export function modelRef(value: unknown, field: string): common.ModelRef {
  const m = onlyFields(objectBody(value, field), ['name', 'version', 'alias']);
  const name = optionalString(m['name'], `${field}.name`);
  if (!name) throw errors.invalidArgument(`${field}.name`, 'is required');
  if (m['version'] !== undefined && m['alias'] !== undefined) throw errors.invalidArgument(`${field}.alias`, 'give version or alias, not both');
  if (m['version'] !== undefined) return { name, selector: { $case: 'version', value: intParam(m['version'], `${field}.version`, { min: 1 }) } };
  const alias = optionalString(m['alias'], `${field}.alias`);
  return { name, selector: alias ? { $case: 'alias', value: alias } : undefined };
}

export function confidenceFilterRequest(body: unknown): ingestion.FilterByConfidenceRequest {
  const b = onlyFields(objectBody(body), [
    'snapshot', 'model', 'precision', 'label_field', 'mode', 'threshold', 'class_thresholds', 'class_names', 'input_name', 'output_name', 'batch_size',
    'drop_disagreements', 'output_dataset', 'idempotency_key', 'rounds',
  ]);
  if (b['snapshot'] === undefined) throw errors.invalidArgument('snapshot', 'is required: {name, snapshot}');
  if (b['model'] === undefined) throw errors.invalidArgument('model', 'is required: {name, version | alias}');
  const output = optionalString(b['output_dataset'], 'output_dataset');
  return {
    snapshot: datasetRef(b['snapshot'], 'snapshot'),
    model: modelRef(b['model'], 'model'),
    precision: b['precision'] === undefined ? common.Precision.PRECISION_UNSPECIFIED : parsePrecision(b['precision']),
    labelField: optionalString(b['label_field'], 'label_field') ?? '',
    mode: parseEnum(I.ThresholdMode, 'THRESHOLD_MODE_', b['mode'], 'mode') as ingestion.ThresholdMode,
    threshold: numberParam(b['threshold'], 'threshold', 0, 1),
    classThresholds: numberMap(b['class_thresholds'], 'class_thresholds'),
    classNames: stringList(b['class_names'], 'class_names'),
    inputName: optionalString(b['input_name'], 'input_name') ?? '',
    outputName: optionalString(b['output_name'], 'output_name') ?? '',
    batchSize: intParam(b['batch_size'], 'batch_size', { fallback: 0, max: INT32_MAX }),
    dropDisagreements: boolJson(b['drop_disagreements'], 'drop_disagreements'),
    outputDataset: output === undefined ? '' : datasetName(output, 'output_dataset'),
    idempotencyKey: optionalString(b['idempotency_key'], 'idempotency_key') ?? '',
    rounds: intParam(b['rounds'], 'rounds', { fallback: 0, max: 10 }),
  };
}

export function resolveReviewRequest(itemId: string, body: unknown): ingestion.ResolveReviewItemRequest {
  const b = onlyFields(objectBody(body), ['decision', 'new_label', 'note']);
  const decision = parseEnum(I.ReviewDecision, 'REVIEW_DECISION_', b['decision'], 'decision') as ingestion.ReviewDecision;
  if (decision === 0) throw errors.invalidArgument('decision', 'is required: keep, relabel or discard');
  return { itemId, decision, newLabel: optionalString(b['new_label'], 'new_label') ?? '', note: optionalString(b['note'], 'note') ?? '' };
}

export function dpRequest(dataset: string, body: unknown): ingestion.ComputeDpStatisticsRequest {
  const b = onlyFields(objectBody(body), ['snapshot', 'queries']);
  if (!Array.isArray(b['queries']) || b['queries'].length === 0) throw errors.invalidArgument('queries', 'is required: a non-empty array of queries');
  const queries = (b['queries'] as unknown[]).map((v, i): ingestion.DpQuery => {
    const f = `queries[${i}]`;
    const q = onlyFields(objectBody(v, f), ['name', 'aggregate', 'field', 'lower_bound', 'upper_bound', 'epsilon', 'filter', 'group_by', 'groups']);
    const aggregate = parseEnum(I.DpAggregate, 'DP_AGGREGATE_', q['aggregate'], `${f}.aggregate`) as ingestion.DpAggregate;
    if (aggregate === 0) throw errors.invalidArgument(`${f}.aggregate`, 'is required: count, sum or mean');
    const epsilon = numberParam(q['epsilon'], `${f}.epsilon`, 0, Number.MAX_VALUE);
    if (epsilon === undefined || epsilon <= 0) throw errors.invalidArgument(`${f}.epsilon`, 'is required and must be > 0');
    return {
      name: optionalString(q['name'], `${f}.name`) ?? '',
      aggregate,
      field: optionalString(q['field'], `${f}.field`) ?? '',
      lowerBound: numberParam(q['lower_bound'], `${f}.lower_bound`, -Number.MAX_VALUE, Number.MAX_VALUE) ?? 0,
      upperBound: numberParam(q['upper_bound'], `${f}.upper_bound`, -Number.MAX_VALUE, Number.MAX_VALUE) ?? 0,
      epsilon,
      filter: recordFilter(q['filter'], `${f}.filter`),
      groupBy: optionalString(q['group_by'], `${f}.group_by`) ?? '',
      groups: stringList(q['groups'], `${f}.groups`),
    };
  });
  return { snapshot: { name: datasetName(dataset), snapshot: intParam(b['snapshot'], 'snapshot', { fallback: 0 }) }, queries };
}
