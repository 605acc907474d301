/**
 * `/v1` JSON bodies and query strings into labeling requests. Shapes are
 * checked here (types, ranges of the proto fields, unknown fields) so a
 * malformed request is a 400 naming the field before any upstream call; what
 * needs the project (is the class known, is the span inside the text) is the
 * service's check, and its INVALID_ARGUMENT names the field the same way.
 */
import { common, labeling } from '@l1g1/contracts';
import { errors } from '@l1g1/kit';
import { INT32_MAX, INT64_SAFE_MAX, intParam, objectBody, onlyFields, optionalString, stringMap } from '../common';
import { parseEnum } from '../ingestion/enum-names';
import { boolQuery, datasetName, numberParam, page, type Query } from '../ingestion/request-parsers';

const L = labeling;
/** Ids the service issues (uuid-like) and record ids: a bounded, URL-safe alphabet. */
const ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Uploads per ImportTasks call (the service's own bound). */
const MAX_UPLOADED_RECORDS = 10_000;

export function idParam(value: unknown, field: string): string {
  if (typeof value !== 'string' || !ID.test(value)) throw errors.invalidArgument(field, 'must be 1-128 characters of letters, digits, ".", "_", ":" or "-"');
  return value;
}

function bool(value: unknown, field: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw errors.invalidArgument(field, 'must be true or false');
  return value;
}

function str(value: unknown, field: string): string {
  return optionalString(value, field) ?? '';
}

function arrayOf(value: unknown, field: string, max = 10_000): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw errors.invalidArgument(field, 'must be an array');
  if (value.length > max) throw errors.invalidArgument(field, `may hold at most ${max} items`);
  return value;
}

function num(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw errors.invalidArgument(field, 'must be a finite number');
  return value;
}

function jsonInt32(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > INT32_MAX) throw errors.invalidArgument(field, `must be an integer between 0 and ${INT32_MAX}`);
  return value;
}

function labelClass(value: unknown, field: string): labeling.LabelClass {
  // A bare string is the common case ("spam"); an object carries description and colour.
  if (typeof value === 'string') return { name: value, index: 0, description: '', color: '' };
  const o = onlyFields(objectBody(value, field), ['name', 'description', 'color']);
  return { name: str(o['name'], `${field}.name`), index: 0, description: str(o['description'], `${field}.description`), color: str(o['color'], `${field}.color`) };
}

function labelConfig(value: unknown, field: string): labeling.LabelConfig {
  const o = onlyFields(objectBody(value, field), ['task_type', 'classes', 'annotations_per_task', 'overlap_fraction', 'reservation_s', 'active_learning_strategy']);
  const overlap = numberParam(o['overlap_fraction'], `${field}.overlap_fraction`, 0, 1);
  if (o['task_type'] === undefined || o['task_type'] === null || o['task_type'] === '') throw errors.invalidArgument(`${field}.task_type`, 'is required (classification, multi_label_classification, ner, bbox, segmentation, free_text)');
  return {
    taskType: parseEnum(L.TaskType, 'TASK_TYPE_', o['task_type'], `${field}.task_type`),
    classes: arrayOf(o['classes'], `${field}.classes`, 1000).map((c, i) => labelClass(c, `${field}.classes[${i}]`)),
    annotationsPerTask: intParam(o['annotations_per_task'], `${field}.annotations_per_task`, { fallback: 0 }),
    ...(overlap !== undefined ? { overlapFraction: overlap } : {}),
    reservationS: intParam(o['reservation_s'], `${field}.reservation_s`, { fallback: 0 }),
    activeLearningStrategy: parseEnum(L.ActiveLearningStrategy, 'ACTIVE_LEARNING_STRATEGY_', o['active_learning_strategy'], `${field}.active_learning_strategy`),
  };
}

export function createProjectRequest(body: unknown): labeling.CreateProjectRequest {
  const o = onlyFields(objectBody(body), ['name', 'description', 'instructions', 'label_config', 'tags']);
  const name = str(o['name'], 'name');
  if (name.trim() === '') throw errors.invalidArgument('name', 'is required');
  return {
    name,
    description: str(o['description'], 'description'),
    instructions: str(o['instructions'], 'instructions'),
    labelConfig: labelConfig(o['label_config'], 'label_config'),
    tags: stringMap(o['tags'], 'tags'),
  };
}

export function updateProjectRequest(projectId: string, body: unknown): labeling.UpdateProjectRequest {
  const o = onlyFields(objectBody(body), ['name', 'description', 'instructions', 'add_classes', 'rename_classes', 'annotations_per_task', 'overlap_fraction', 'tags', 'active_learning_strategy']);
  const optional = (k: string): string | undefined => optionalString(o[k], k);
  const name = optional('name');
  const description = optional('description');
  const instructions = optional('instructions');
  const overlap = numberParam(o['overlap_fraction'], 'overlap_fraction', 0, 1);
  return {
    projectId,
    ...(name !== undefined ? { name } : {}),
    ...(description !== undefined ? { description } : {}),
    ...(instructions !== undefined ? { instructions } : {}),
    addClasses: arrayOf(o['add_classes'], 'add_classes', 1000).map((c, i) => labelClass(c, `add_classes[${i}]`)),
    renameClasses: arrayOf(o['rename_classes'], 'rename_classes', 1000).map((r, i) => {
      const f = `rename_classes[${i}]`;
      const x = onlyFields(objectBody(r, f), ['from', 'to']);
      return { from: str(x['from'], `${f}.from`), to: str(x['to'], `${f}.to`) };
    }),
    ...(o['annotations_per_task'] !== undefined ? { annotationsPerTask: intParam(o['annotations_per_task'], 'annotations_per_task') } : {}),
    ...(overlap !== undefined ? { overlapFraction: overlap } : {}),
    tags: stringMap(o['tags'], 'tags'),
    ...(o['active_learning_strategy'] !== undefined
      ? { activeLearningStrategy: parseEnum(L.ActiveLearningStrategy, 'ACTIVE_LEARNING_STRATEGY_', o['active_learning_strategy'], 'active_learning_strategy') }
      : {}),
  };
}

export function listProjectsRequest(q: Query): labeling.ListProjectsRequest {
  return { page: page(q), query: q['query'] ?? '', taskType: parseEnum(L.TaskType, 'TASK_TYPE_', q['task_type'], 'task_type') };
}

function uploadedRecord(value: unknown, field: string): common.Record {
  const o = onlyFields(objectBody(value, field), ['id', 'text', 'data_base64', 'content_type', 'metadata']);
  const text = optionalString(o['text'], `${field}.text`);
  const b64 = optionalString(o['data_base64'], `${field}.data_base64`);
  if ((text === undefined) === (b64 === undefined)) throw errors.invalidArgument(`${field}.text`, 'give exactly one of text or data_base64');
  if (b64 !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw errors.invalidArgument(`${field}.data_base64`, 'must be standard base64');
  const id = optionalString(o['id'], `${field}.id`) ?? '';
  if (id !== '') idParam(id, `${field}.id`);
  return {
    id,
    data: text !== undefined ? Buffer.from(text, 'utf8') : Buffer.from(b64 ?? '', 'base64'),
    contentType: optionalString(o['content_type'], `${field}.content_type`) ?? (text !== undefined ? 'text/plain; charset=utf-8' : 'application/octet-stream'),
    metadata: stringMap(o['metadata'], `${field}.metadata`),
    timestampUs: 0,
  };
}

/** From a snapshot (`snapshot: {dataset, snapshot}`) or from uploaded `records` (one of the two). */
export function importTasksRequest(projectId: string, body: unknown): labeling.ImportTasksRequest {
  const o = onlyFields(objectBody(body), ['snapshot', 'split', 'metadata_equals', 'sample_size', 'seed', 'label_field', 'records']);
  const records = arrayOf(o['records'], 'records', MAX_UPLOADED_RECORDS).map((r, i) => uploadedRecord(r, `records[${i}]`));
  let snapshot: common.DatasetRef | undefined;
  if (o['snapshot'] !== undefined && o['snapshot'] !== null) {
    const s = onlyFields(objectBody(o['snapshot'], 'snapshot'), ['dataset', 'snapshot']);
    snapshot = { name: datasetName(s['dataset'], 'snapshot.dataset'), snapshot: intParam(s['snapshot'], 'snapshot.snapshot', { fallback: 0 }) };
  }
  if ((snapshot === undefined) === (records.length === 0)) throw errors.invalidArgument('snapshot', 'give either snapshot or a non-empty records array');
  const seed = o['seed'];
  return {
    projectId,
    snapshot,
    metadataEquals: stringMap(o['metadata_equals'], 'metadata_equals'),
    split: str(o['split'], 'split'),
    sampleSize: intParam(o['sample_size'], 'sample_size', { fallback: 0, max: INT64_SAFE_MAX }),
    ...(seed !== undefined && seed !== null ? { seed: intParam(seed, 'seed', { max: INT64_SAFE_MAX }) } : {}),
    labelField: str(o['label_field'], 'label_field'),
    records,
  };
}

export function listTasksRequest(projectId: string, q: Query): labeling.ListTasksRequest {
  return {
    projectId,
    page: page(q),
    state: parseEnum(L.TaskState, 'TASK_STATE_', q['state'], 'state'),
    annotator: q['annotator'] ?? '',
    withPredictionOnly: boolQuery(q['with_prediction_only'], 'with_prediction_only'),
    order: parseEnum(L.ActiveLearningStrategy, 'ACTIVE_LEARNING_STRATEGY_', q['order'], 'order'),
  };
}

export function nextTaskBody(body: unknown): { annotator?: string; strategy: labeling.ActiveLearningStrategy; seed?: number } {
  const o = onlyFields(objectBody(body), ['annotator', 'strategy', 'seed']);
  const annotator = optionalString(o['annotator'], 'annotator');
  return {
    ...(annotator !== undefined && annotator !== '' ? { annotator } : {}),
    strategy: parseEnum(L.ActiveLearningStrategy, 'ACTIVE_LEARNING_STRATEGY_', o['strategy'], 'strategy'),
    ...(o['seed'] !== undefined && o['seed'] !== null ? { seed: intParam(o['seed'], 'seed', { max: INT64_SAFE_MAX }) } : {}),
  };
}

function span(value: unknown, field: string): labeling.Span {
  const o = onlyFields(objectBody(value, field), ['start', 'end', 'label', 'text']);
  return { start: jsonInt32(o['start'], `${field}.start`), end: jsonInt32(o['end'], `${field}.end`), label: str(o['label'], `${field}.label`), text: str(o['text'], `${field}.text`) };
}

function box(value: unknown, field: string): labeling.BoundingBox {
  const o = onlyFields(objectBody(value, field), ['label', 'x', 'y', 'width', 'height']);
  return { label: str(o['label'], `${field}.label`), x: num(o['x'], `${field}.x`), y: num(o['y'], `${field}.y`), width: num(o['width'], `${field}.width`), height: num(o['height'], `${field}.height`) };
}

function polygon(value: unknown, field: string): labeling.Polygon {
  const o = onlyFields(objectBody(value, field), ['label', 'points']);
  return {
    label: str(o['label'], `${field}.label`),
    points: arrayOf(o['points'], `${field}.points`).map((pt, i) => {
      const f = `${field}.points[${i}]`;
      const p = onlyFields(objectBody(pt, f), ['x', 'y']);
      return { x: num(p['x'], `${f}.x`), y: num(p['y'], `${f}.y`) };
    }),
  };
}

/** An annotation value: exactly one of classification, ner, bbox, segmentation, free_text. */
export function annotationValue(value: unknown, field = 'value'): labeling.AnnotationValue {
  const o = objectBody(value, field);
  const kinds = Object.keys(o);
  if (kinds.length !== 1) throw errors.invalidArgument(field, 'must hold exactly one of classification, ner, bbox, segmentation, free_text');
  const kind = kinds[0] as string;
  const inner = (allowed: string[]) => onlyFields(objectBody(o[kind], `${field}.${kind}`), allowed);
  switch (kind) {
    case 'classification': {
      const labels = arrayOf(inner(['labels'])['labels'], `${field}.classification.labels`, 1000).map((l, i) => str(l, `${field}.classification.labels[${i}]`));
      return { value: { $case: 'classification', value: { labels } } };
    }
    case 'ner':
      return { value: { $case: 'ner', value: { spans: arrayOf(inner(['spans'])['spans'], `${field}.ner.spans`).map((s, i) => span(s, `${field}.ner.spans[${i}]`)) } } };
    case 'bbox':
      return { value: { $case: 'bbox', value: { boxes: arrayOf(inner(['boxes'])['boxes'], `${field}.bbox.boxes`).map((b, i) => box(b, `${field}.bbox.boxes[${i}]`)) } } };
    case 'segmentation':
      return { value: { $case: 'segmentation', value: { polygons: arrayOf(inner(['polygons'])['polygons'], `${field}.segmentation.polygons`).map((g, i) => polygon(g, `${field}.segmentation.polygons[${i}]`)) } } };
    case 'free_text':
      return { value: { $case: 'freeText', value: { text: str(inner(['text'])['text'], `${field}.free_text.text`) } } };
    default:
      throw errors.invalidArgument(`${field}.${kind}`, 'is not a kind of value (classification, ner, bbox, segmentation, free_text)');
  }
}

export interface SubmitBody {
  annotator?: string;
  value?: labeling.AnnotationValue;
  leadTimeMs: number;
  annotationId: string;
  fromPrelabel: boolean;
  gold: boolean;
}

export function submitBody(body: unknown): SubmitBody {
  const o = onlyFields(objectBody(body), ['annotator', 'value', 'lead_time_ms', 'annotation_id', 'from_prelabel', 'gold']);
  const annotator = optionalString(o['annotator'], 'annotator');
  const annotationId = str(o['annotation_id'], 'annotation_id');
  if (annotationId !== '') idParam(annotationId, 'annotation_id');
  if (o['value'] === undefined || o['value'] === null) throw errors.invalidArgument('value', 'is required (use :skip to skip a task)');
  return {
    ...(annotator !== undefined && annotator !== '' ? { annotator } : {}),
    value: annotationValue(o['value']),
    leadTimeMs: intParam(o['lead_time_ms'], 'lead_time_ms', { fallback: 0, max: INT64_SAFE_MAX }),
    annotationId,
    fromPrelabel: bool(o['from_prelabel'], 'from_prelabel'),
    gold: bool(o['gold'], 'gold'),
  };
}

export function skipBody(body: unknown): { annotator?: string; leadTimeMs: number } {
  const o = onlyFields(objectBody(body), ['annotator', 'lead_time_ms']);
  const annotator = optionalString(o['annotator'], 'annotator');
  return { ...(annotator !== undefined && annotator !== '' ? { annotator } : {}), leadTimeMs: intParam(o['lead_time_ms'], 'lead_time_ms', { fallback: 0, max: INT64_SAFE_MAX }) };
}

export function agreementRequest(projectId: string, q: Query): labeling.ComputeAgreementRequest {
  const iou = numberParam(q['iou_threshold'], 'iou_threshold', 0, 1);
  return {
    projectId,
    metric: parseEnum(L.AgreementMetric, 'AGREEMENT_METRIC_', q['metric'], 'metric'),
    annotators: (q['annotators'] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''),
    ...(iou !== undefined ? { iouThreshold: iou } : {}),
  };
}

export function exportRequest(projectId: string, q: Query): labeling.ExportAnnotationsRequest {
  // The optional parameters first: each bad one is named even when `format` is missing too.
  const resolution = parseEnum(L.Resolution, 'RESOLUTION_', q['resolution'], 'resolution');
  const includeIncomplete = boolQuery(q['include_incomplete'], 'include_incomplete');
  const includePredictions = boolQuery(q['include_predictions'], 'include_predictions');
  if (q['format'] === undefined || q['format'] === '') throw errors.invalidArgument('format', 'is required (jsonl, csv, label_studio_json, conll2003, coco, yolo)');
  const format = parseEnum(L.ExportFormat, 'EXPORT_FORMAT_', q['format'], 'format');
  return { projectId, format, resolution, includeIncomplete, includePredictions, chunkSize: 0 };
}

export function exportToSnapshotRequest(projectId: string, body: unknown): labeling.ExportToSnapshotRequest {
  const o = onlyFields(objectBody(body), ['dataset', 'label_field', 'resolution', 'include_incomplete', 'split_fractions', 'seed', 'description', 'idempotency_key']);
  const fractions: Record<string, number> = {};
  for (const [k, v] of Object.entries(objectBody(o['split_fractions'] ?? {}, 'split_fractions'))) fractions[k] = numberParam(v, `split_fractions.${k}`, 0, 1) ?? 0;
  return {
    projectId,
    dataset: datasetName(o['dataset'], 'dataset'),
    labelField: str(o['label_field'], 'label_field'),
    resolution: parseEnum(L.Resolution, 'RESOLUTION_', o['resolution'], 'resolution'),
    includeIncomplete: bool(o['include_incomplete'], 'include_incomplete'),
    splitFractions: fractions,
    ...(o['seed'] !== undefined && o['seed'] !== null ? { seed: intParam(o['seed'], 'seed', { max: INT64_SAFE_MAX }) } : {}),
    description: str(o['description'], 'description'),
    idempotencyKey: str(o['idempotency_key'], 'idempotency_key'),
  };
}

export { page, boolQuery, type Query };
