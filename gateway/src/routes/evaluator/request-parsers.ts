/**
 * Evaluator requests from `/v1` bodies, paths and queries. Every value is
 * checked against the proto field it becomes, so a bad one is a 400 naming
 * it before the evaluator is called (never a serializer INTERNAL, never a
 * breaker failure).
 */
import { common, evaluator } from '@l1g1/contracts';
import { errors } from '@l1g1/kit';
import { parsePrecision } from '../../rest-json';
import { INT64_SAFE_MAX, intParam, numberMap, objectBody, onlyFields, optionalString, stringMap } from '../common';
import { parseEnum } from '../ingestion/enum-names';
import { boolJson, boolQuery, datasetName, datasetRef, modelRef, numberParam, page, stringList, type Query } from '../ingestion/request-parsers';

const E = evaluator;
/** Run ids are the kit's job ids. */
const RUN_ID = /^[A-Za-z0-9_-]{1,128}$/;
/** The contract's gate name rule. */
const GATE_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const MODEL_NAME_MAX = 128;
/** Gates thresholds and tolerances: any finite double. */
const DOUBLE = Number.MAX_VALUE;

export function runIdParam(value: string | undefined, field = 'run_id'): string {
  if (!value || !RUN_ID.test(value)) throw errors.invalidArgument(field, 'must be a run id (letters, digits, _ and -, at most 128)');
  return value;
}

export function gateIdParam(value: unknown, field = 'gate_id'): string {
  if (typeof value !== 'string' || !GATE_NAME.test(value)) throw errors.invalidArgument(field, 'must match [a-z0-9][a-z0-9._-]{0,63}');
  return value;
}

/** `{name, version|alias}`, or the CLI's shorthand `name`, `name@alias`, `name@3`. */
function modelValue(value: unknown, field = 'model'): common.ModelRef {
  if (value === undefined || value === null) throw errors.invalidArgument(field, 'is required: {"name": ..., "alias"|"version": ...} or "name@alias"');
  if (typeof value !== 'string') return modelRef(value, field);
  const [name, selector] = value.split('@', 2) as [string, string | undefined];
  if (name === '' || name.length > MODEL_NAME_MAX) throw errors.invalidArgument(field, `must be "name", "name@alias" or "name@version" (name 1..${MODEL_NAME_MAX} characters)`);
  if (selector === undefined || selector === '') return { name, selector: undefined };
  if (/^\d+$/.test(selector)) return { name, selector: { $case: 'version', value: intParam(selector, `${field}.version`, { min: 1 }) } };
  return { name, selector: { $case: 'alias', value: selector } };
}

/** `{name, snapshot?}`, or the shorthand `name` / `name@3`. */
function datasetValue(value: unknown, field: string): common.DatasetRef {
  if (typeof value !== 'string') return datasetRef(value, field);
  const [name, snapshot] = value.split('@', 2) as [string, string | undefined];
  return { name: datasetName(name, `${field}.name`), snapshot: intParam(snapshot, `${field}.snapshot`, { fallback: 0 }) };
}

function optionalDataset(value: unknown, field: string): common.DatasetRef | undefined {
  return value === undefined || value === null ? undefined : datasetValue(value, field);
}

function requiredDataset(value: unknown, field: string): common.DatasetRef {
  if (value === undefined || value === null) throw errors.invalidArgument(field, 'is required: {"name": ..., "snapshot": N} or "name@N"');
  return datasetValue(value, field);
}

const int = (value: unknown, field: string, max = 2 ** 31 - 1): number => intParam(value, field, { fallback: 0, max });
const str = (value: unknown, field: string, max = 256): string => {
  const s = optionalString(value, field) ?? '';
  if (s.length > max) throw errors.invalidArgument(field, `must be at most ${max} characters`);
  return s;
};
const optionalInt64 = (value: unknown, field: string): number | undefined =>
  value === undefined || value === null ? undefined : intParam(value, field, { max: INT64_SAFE_MAX });
const optionalDouble = (value: unknown, field: string, min = -DOUBLE): number | undefined => numberParam(value, field, min, DOUBLE);

function precisionList(value: unknown, field: string): common.Precision[] {
  return stringList(value, field).map((p, i) => parsePrecision(p, `${field}[${i}]`));
}

const EVALUATE_FIELDS = [
  'model', 'precision', 'dataset', 'split', 'label_field', 'task', 'class_names', 'positive_class', 'calibration_bins',
  'batch_size', 'max_records', 'seed', 'store_predictions', 'record_in_registry', 'tags', 'idempotency_key', 'window',
];

/** POST /v1/evaluations. */
export function evaluateRequest(body: unknown): evaluator.EvaluateRequest {
  const b = onlyFields(objectBody(body), EVALUATE_FIELDS);
  return {
    model: modelValue(b['model']),
    precision: parsePrecision(b['precision']),
    dataset: requiredDataset(b['dataset'], 'dataset'),
    split: str(b['split'], 'split'),
    labelField: str(b['label_field'], 'label_field'),
    task: parseEnum(E.EvalTask, 'EVAL_TASK_', b['task'], 'task') as evaluator.EvalTask,
    classNames: stringList(b['class_names'], 'class_names'),
    positiveClass: str(b['positive_class'], 'positive_class'),
    calibrationBins: int(b['calibration_bins'], 'calibration_bins', 1000),
    batchSize: int(b['batch_size'], 'batch_size', 65_536),
    maxRecords: int(b['max_records'], 'max_records', INT64_SAFE_MAX),
    seed: optionalInt64(b['seed'], 'seed'),
    storePredictions: boolJson(b['store_predictions'], 'store_predictions'),
    recordInRegistry: boolJson(b['record_in_registry'], 'record_in_registry'),
    tags: stringMap(b['tags'], 'tags'),
    idempotencyKey: str(b['idempotency_key'], 'idempotency_key'),
    window: int(b['window'], 'window', 4096),
  };
}

/** `model` (a name; the auth plugin checks it against the key's models) and `model_version`. */
function modelQuery(q: Query): common.ModelRef | undefined {
  const name = q['model'];
  if (name === undefined || name === '') {
    if (q['model_version'] !== undefined) throw errors.invalidArgument('model_version', 'needs model');
    return undefined;
  }
  if (name.length > MODEL_NAME_MAX || name.includes('@')) throw errors.invalidArgument('model', `must be a model name (1..${MODEL_NAME_MAX} characters; the version goes in model_version)`);
  const version = intParam(q['model_version'], 'model_version', { fallback: 0 });
  return { name, selector: version > 0 ? { $case: 'version', value: version } : undefined };
}

/** GET /v1/evaluations: `model`, `model_version`, `dataset`, `dataset_snapshot`, `state`, paging. */
export function listEvaluationsRequest(q: Query): evaluator.ListEvaluationsRequest {
  const snapshot = intParam(q['dataset_snapshot'], 'dataset_snapshot', { fallback: 0 });
  if (snapshot > 0 && !q['dataset']) throw errors.invalidArgument('dataset_snapshot', 'needs dataset');
  return {
    page: page(q),
    model: modelQuery(q),
    dataset: q['dataset'] ? { name: datasetName(q['dataset']), snapshot } : undefined,
    state: parseEnum(common.JobState, 'JOB_STATE_', q['state'], 'state') as common.JobState,
  };
}

/** GET /v1/evaluations/{run_id}: `omit_predictions`. */
export function getEvaluationRequest(runId: string, q: Query): evaluator.GetEvaluationRequest {
  return { runId, omitPredictions: boolQuery(q['omit_predictions'], 'omit_predictions') };
}

const BENCHMARK_FIELDS = [
  'model', 'batch_sizes', 'device', 'precision', 'target', 'duration_ms', 'iterations', 'warmup_iterations', 'concurrency', 'inputs', 'dim_values', 'tags',
];

/** POST /v1/benchmarks. */
export function benchmarkRequest(body: unknown): evaluator.BenchmarkRequest {
  const b = onlyFields(objectBody(body), BENCHMARK_FIELDS);
  const sizes = b['batch_sizes'];
  if (sizes !== undefined && sizes !== null && !Array.isArray(sizes)) throw errors.invalidArgument('batch_sizes', 'must be an array of integers');
  const dims = numberMap(b['dim_values'], 'dim_values');
  for (const [k, v] of Object.entries(dims)) intParam(v, `dim_values.${k}`, { min: 1, max: INT64_SAFE_MAX });
  return {
    model: modelValue(b['model']),
    batchSizes: ((sizes as unknown[] | undefined | null) ?? []).map((n, i) => intParam(n, `batch_sizes[${i}]`, { min: 1, max: 65_536 })),
    device: str(b['device'], 'device', 64),
    precision: parsePrecision(b['precision']),
    target: parseEnum(E.BenchmarkTarget, 'BENCHMARK_TARGET_', b['target'], 'target') as evaluator.BenchmarkTarget,
    durationMs: int(b['duration_ms'], 'duration_ms', 3_600_000),
    iterations: int(b['iterations'], 'iterations', INT64_SAFE_MAX),
    warmupIterations: int(b['warmup_iterations'], 'warmup_iterations', 1_000_000),
    concurrency: int(b['concurrency'], 'concurrency', 1024),
    inputs: optionalDataset(b['inputs'], 'inputs'),
    dimValues: dims,
    tags: stringMap(b['tags'], 'tags'),
  };
}

const COMPARE_FIELDS = [
  'model', 'dataset', 'split', 'label_field', 'class_names', 'baseline', 'candidates', 'metric', 'max_drop', 'max_records', 'seed',
  'candidate_model', 'resamples', 'confidence', 'record_usability',
];

/** POST /v1/comparisons (CompareVariants). */
export function compareVariantsRequest(body: unknown): evaluator.CompareVariantsRequest {
  const b = onlyFields(objectBody(body), COMPARE_FIELDS);
  return {
    model: modelValue(b['model']),
    dataset: requiredDataset(b['dataset'], 'dataset'),
    split: str(b['split'], 'split'),
    labelField: str(b['label_field'], 'label_field'),
    classNames: stringList(b['class_names'], 'class_names'),
    baseline: parsePrecision(b['baseline'], 'baseline'),
    candidates: precisionList(b['candidates'], 'candidates'),
    metric: str(b['metric'], 'metric'),
    maxDrop: optionalDouble(b['max_drop'], 'max_drop', 0),
    maxRecords: int(b['max_records'], 'max_records', INT64_SAFE_MAX),
    seed: optionalInt64(b['seed'], 'seed'),
    candidateModel: b['candidate_model'] === undefined || b['candidate_model'] === null ? undefined : modelValue(b['candidate_model'], 'candidate_model'),
    resamples: int(b['resamples'], 'resamples', 10_000),
    confidence: optionalDouble(b['confidence'], 'confidence', 0),
    recordUsability: b['record_usability'] === undefined || b['record_usability'] === null ? undefined : boolJson(b['record_usability'], 'record_usability'),
  };
}

function thresholds(value: unknown, field: string): evaluator.MetricThreshold[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw errors.invalidArgument(field, 'must be an array of {metric, comparison, value, relative_to_baseline}');
  return value.map((v, i) => {
    const at = `${field}[${i}]`;
    const t = onlyFields(objectBody(v, at), ['metric', 'comparison', 'value', 'relative_to_baseline']);
    const n = optionalDouble(t['value'], `${at}.value`);
    if (n === undefined) throw errors.invalidArgument(`${at}.value`, 'is required');
    return {
      metric: str(t['metric'], `${at}.metric`),
      comparison: parseEnum(E.Comparison, 'COMPARISON_', t['comparison'], `${at}.comparison`) as evaluator.Comparison,
      value: n,
      relativeToBaseline: boolJson(t['relative_to_baseline'], `${at}.relative_to_baseline`),
    };
  });
}

const GATE_FIELDS = [
  'description', 'thresholds', 'dataset', 'split', 'label_field', 'baseline_alias', 'promote_alias', 'max_variant_drop', 'tags', 'max_latency_p95_ms', 'latency_batch_size',
];

/** POST /v1/gates: a gate, its `name` included. */
export function createGateRequest(body: unknown): evaluator.CreateGateRequest {
  const b = onlyFields(objectBody(body), ['name', ...GATE_FIELDS]);
  return {
    gate: E.Gate.fromPartial({
      name: gateIdParam(b['name'], 'name'),
      description: str(b['description'], 'description', 4096),
      thresholds: thresholds(b['thresholds'], 'thresholds'),
      dataset: optionalDataset(b['dataset'], 'dataset'),
      split: str(b['split'], 'split'),
      labelField: str(b['label_field'], 'label_field'),
      baselineAlias: str(b['baseline_alias'], 'baseline_alias', 64),
      promoteAlias: str(b['promote_alias'], 'promote_alias', 64),
      maxVariantDrop: optionalDouble(b['max_variant_drop'], 'max_variant_drop', 0),
      maxLatencyP95Ms: optionalDouble(b['max_latency_p95_ms'], 'max_latency_p95_ms', 0),
      latencyBatchSize: int(b['latency_batch_size'], 'latency_batch_size', 4096),
      tags: stringMap(b['tags'], 'tags'),
    }),
  };
}

/** PATCH /v1/gates/{gate_id}: only what is given changes (JSON merge patch; `thresholds` replaces when non-empty). */
export function updateGateRequest(name: string, body: unknown): evaluator.UpdateGateRequest {
  const b = onlyFields(objectBody(body), GATE_FIELDS);
  const given = (k: string): boolean => b[k] !== undefined && b[k] !== null;
  return {
    name,
    description: given('description') ? str(b['description'], 'description', 4096) : undefined,
    thresholds: thresholds(b['thresholds'], 'thresholds'),
    dataset: optionalDataset(b['dataset'], 'dataset'),
    split: given('split') ? str(b['split'], 'split') : undefined,
    labelField: given('label_field') ? str(b['label_field'], 'label_field') : undefined,
    baselineAlias: given('baseline_alias') ? str(b['baseline_alias'], 'baseline_alias', 64) : undefined,
    promoteAlias: given('promote_alias') ? str(b['promote_alias'], 'promote_alias', 64) : undefined,
    maxVariantDrop: optionalDouble(b['max_variant_drop'], 'max_variant_drop', 0),
    tags: stringMap(b['tags'], 'tags'),
    // Negative removes the budget (the contract's rule), so any finite number is taken.
    maxLatencyP95Ms: optionalDouble(b['max_latency_p95_ms'], 'max_latency_p95_ms'),
    latencyBatchSize: given('latency_batch_size') ? intParam(b['latency_batch_size'], 'latency_batch_size', { max: 4096 }) : undefined,
  };
}

/** POST /v1/gates/{gate_id}:evaluate: `{ model, evaluation_run_id?, promote? }`. */
export function evaluateGateRequest(gateName: string, body: unknown): evaluator.EvaluateGateRequest {
  const b = onlyFields(objectBody(body), ['model', 'evaluation_run_id', 'promote']);
  const run = optionalString(b['evaluation_run_id'], 'evaluation_run_id');
  return {
    gateName,
    model: modelValue(b['model']),
    evaluationRunId: run ? runIdParam(run, 'evaluation_run_id') : '',
    promote: boolJson(b['promote'], 'promote'),
  };
}

/** GET /v1/gates/{gate_id}/decisions: `model`, `model_version`, paging. */
export function listGateDecisionsRequest(gateName: string, q: Query): evaluator.ListGateDecisionsRequest {
  return { gateName, model: modelQuery(q), page: page(q) };
}
