/**
 * The OpenAPI entries of the evaluator routes (routes/evaluator-routes.ts):
 * evaluation runs, benchmarks as SSE, variant comparisons and gates, in the
 * `/v1` dialect (snake_case, lowercase enums, RFC 3339).
 */
import { common as c, evaluator as ev, PRECISION_NAMES } from '@l1g1/contracts';
import { enumNames } from './routes/ingestion/enum-names';
import { JOB_STATUS_PROPERTIES } from './openapi-trainer';
import { bool, err, int32, int64, intMap, jsonBody, num, numberMap, obj, ok, p, page, paging, ref, str, stringMap, strList, timestamp, type Json } from './openapi-helpers';

const nullable = (schema: Json): Json => ({ oneOf: [schema, { type: 'null' }] });
const errors = {
  '400': err('Bad input; `field` names what was wrong (e.g. thresholds[0].comparison)'),
  '404': err('No such run, gate, model or dataset'),
  '409': err('Conflict (ABORTED), e.g. a gate name already taken'),
  '429': err('Overloaded (Retry-After)'),
  '503': err('Evaluator service unavailable (Retry-After)'),
};
const precision = { type: 'string', enum: [...PRECISION_NAMES.values()] };
const runIdSchema = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$', maxLength: 128 };
const runId = p('run_id', 'path', runIdSchema, 'Evaluation run id');
const gateId = p('gate_id', 'path', { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,63}$', maxLength: 64 }, 'Gate name');
const modelRef = obj({ name: str, version: { type: 'integer' }, alias: str }, ['name']);
const modelIn = { description: '{name, version|alias} or the shorthand "name", "name@alias", "name@3"', oneOf: [modelRef, str] };
const datasetRef = obj({ name: str, snapshot: { type: 'integer', description: '0: the latest' } }, ['name']);
const datasetIn = { description: '{name, snapshot} or the shorthand "name", "name@3"', oneOf: [datasetRef, str] };
const classMetrics = obj({ label: str, precision: num, recall: num, f1: num, support: { type: 'integer' }, auc: nullable(num) });
const threshold = obj({ metric: str, comparison: { type: 'string', enum: enumNames(ev.Comparison, 'COMPARISON_') }, value: num, relative_to_baseline: bool }, ['metric', 'comparison', 'value']);
const evaluateFields = {
  model: modelIn,
  precision,
  dataset: datasetIn,
  split: { type: 'string', description: 'Default "test"' },
  label_field: { type: 'string', description: 'Default "label"' },
  task: { type: 'string', enum: enumNames(ev.EvalTask, 'EVAL_TASK_'), description: 'Default: the registry model\'s task; a version tagged as a language model: language_modeling' },
  class_names: strList,
  positive_class: str,
  calibration_bins: int32(),
  batch_size: int32(),
  max_records: int64(),
  seed: int64(),
  store_predictions: bool,
  record_in_registry: bool,
  tags: stringMap,
  idempotency_key: str,
  window: { ...int32(), maximum: 4096, description: 'language_modeling: input tokens per window (windows step by it); 0: the model\'s training seq_len' },
};
const gateFields = {
  description: str,
  thresholds: { type: 'array', items: ref('MetricThreshold') },
  dataset: datasetIn,
  split: str,
  label_field: str,
  baseline_alias: str,
  promote_alias: str,
  max_variant_drop: { type: 'number', minimum: 0 },
  max_latency_p95_ms: { type: 'number', description: 'p95 latency budget through inference at latency_batch_size rows; on PATCH a negative value removes it' },
  latency_batch_size: { ...int32(), maximum: 4096, description: 'Rows per request for the latency budget; default 1' },
  tags: stringMap,
};
const modelQuery = [p('model', 'query', { type: 'string', maxLength: 128 }, 'Model name'), p('model_version', 'query', int32(), 'With model: this version only')];

export const EVALUATOR_SCHEMAS: Json = {
  ClassMetrics: classMetrics,
  EvaluationRun: obj({
    run_id: str,
    ...JOB_STATUS_PROPERTIES,
    request: obj({ ...evaluateFields, model: nullable(modelRef), dataset: nullable(datasetRef), seed: nullable(int64()) }),
    model: nullable(modelRef),
    dataset: nullable(datasetRef),
    precision,
    records_evaluated: { type: 'integer' },
    records_skipped: { type: 'integer' },
    classification: nullable(
      obj({
        accuracy: num,
        macro_f1: num,
        weighted_f1: num,
        micro_f1: num,
        per_class: { type: 'array', items: ref('ClassMetrics') },
        confusion_matrix: nullable(obj({ labels: strList, counts: { type: 'array', items: { type: 'integer' }, description: 'Row-major, true x predicted' } })),
        auc: nullable(num),
        ece: nullable(num),
        calibration: { type: 'array', items: obj({ lower: num, upper: num, count: { type: 'integer' }, mean_confidence: num, accuracy: num }) },
        log_loss: nullable(num),
      }),
    ),
    token: nullable(obj({ entity_precision: num, entity_recall: num, entity_f1: num, token_precision: num, token_recall: num, token_f1: num, token_accuracy: num, per_type: { type: 'array', items: ref('ClassMetrics') } })),
    metrics: { ...numberMap, description: 'Flat view gates refer to: accuracy, macro_f1, f1/<class> ...' },
    predictions: { type: 'array', items: obj({ record_id: str, true_label: str, predicted_label: str, confidence: num }) },
    tags: stringMap,
    created_by: str,
  }),
  EvaluationRunList: obj({ runs: { type: 'array', items: ref('EvaluationRun') }, ...page }),
  BenchmarkResult: obj({
    run_id: str,
    batch_size: { type: 'integer' },
    requests: { type: 'integer' },
    rows: { type: 'integer' },
    errors: { type: 'integer' },
    duration_ms: { type: 'integer' },
    throughput_rows_per_s: num,
    requests_per_s: num,
    latency: obj({ mean_us: num, p50_us: num, p95_us: num, p99_us: num, max_us: num }),
    mean_queue_us: num,
    mean_compute_us: num,
    model: nullable(modelRef),
    precision,
    device: str,
    target: { type: 'string', enum: enumNames(ev.BenchmarkTarget, 'BENCHMARK_TARGET_') },
    concurrency: { type: 'integer' },
    finished_at: timestamp,
  }),
  BenchmarkEvent: {
    description: 'The data of one SSE event; the event name says which: `result` (one per batch size), `done` (last), `error`',
    oneOf: [{ title: 'result', ...ref('BenchmarkResult') }, { title: 'done', ...obj({ run_id: str, results: { type: 'integer' } }) }, { title: 'error', ...ref('Error') }],
  },
  VariantResult: obj({
    precision,
    metrics: numberMap,
    deltas: numberMap,
    agreement_with_baseline: num,
    within_tolerance: bool,
    run_id: str,
    model: nullable(modelRef),
    metric_delta: { type: 'number', description: '`metric` candidate minus baseline' },
    ci_low: num,
    ci_high: num,
    confidence: num,
    p_value: { type: 'number', description: 'McNemar on the paired correctness' },
    test: { type: 'string', description: '"exact" or "chi2"' },
    baseline_only_correct: { type: 'integer' },
    candidate_only_correct: { type: 'integer' },
    per_class_deltas: { type: 'array', items: obj({ label: str, precision: num, recall: num, f1: num, support: { type: 'integer' } }) },
    usable: bool,
    bound: num,
    evidence: str,
    recorded: { type: 'boolean', description: 'Written to the registry version as variant/<precision>/usable' },
  }),
  Comparison: obj({ model: nullable(modelRef), dataset: nullable(datasetRef), baseline: nullable(ref('VariantResult')), candidates: { type: 'array', items: ref('VariantResult') }, metric: str, max_drop: num, records_compared: { type: 'integer' } }),
  MetricThreshold: threshold,
  Gate: obj({ name: str, ...gateFields, dataset: nullable(datasetRef), max_variant_drop: nullable(num), max_latency_p95_ms: nullable(num), created_at: timestamp, updated_at: timestamp }),
  GateList: obj({ gates: { type: 'array', items: ref('Gate') }, ...page }),
  GateDecision: obj({
    decision_id: str,
    gate_name: str,
    model: nullable(modelRef),
    passed: bool,
    results: { type: 'array', items: obj({ threshold: ref('MetricThreshold'), actual: num, baseline: nullable(num), compared: num, passed: bool }) },
    reasons: { ...strList, description: 'One line per failed check, e.g. "macro_f1 0.984 < 0.990"' },
    evaluation_run_id: str,
    baseline_version: { type: 'integer' },
    baseline_run_id: str,
    promoted: bool,
    promoted_alias: str,
    previous_alias_version: { type: 'integer' },
    decided_at: timestamp,
    decided_by: str,
    latency_p95_ms: nullable(num),
    latency_batch_size: { type: 'integer' },
    benchmark_run_id: str,
  }),
  GateDecisionList: obj({ decisions: { type: 'array', items: ref('GateDecision') }, ...page }),
};

export const EVALUATOR_PATHS: Json = {
  '/v1/evaluations': {
    post: {
      summary: 'Queue an evaluation run of a model version on a dataset snapshot; poll GET /v1/evaluations/{run_id} until its state is terminal',
      requestBody: jsonBody(obj(evaluateFields, ['model', 'dataset'])),
      responses: { '202': ok('Queued (Location: the run)', ref('EvaluationRun')), ...errors },
    },
    get: {
      summary: 'Evaluation runs, newest first (without per-record predictions)',
      parameters: [...modelQuery, p('dataset', 'query', str, 'Runs on this dataset'), p('dataset_snapshot', 'query', int32(), 'With dataset: this snapshot only'), p('state', 'query', { type: 'string', enum: enumNames(c.JobState, 'JOB_STATE_') }), ...paging],
      responses: { '200': ok('Runs', ref('EvaluationRunList')), ...errors },
    },
  },
  '/v1/evaluations/{run_id}': {
    parameters: [runId],
    get: {
      summary: 'An evaluation run: state, metrics, confusion matrix, calibration',
      parameters: [p('omit_predictions', 'query', bool, 'Leave out the stored per-record predictions')],
      responses: { '200': ok('Run', ref('EvaluationRun')), ...errors },
    },
  },
  '/v1/benchmarks': {
    post: {
      summary: 'Measure latency and throughput per batch size: Server-Sent Events, one `result` per batch size as it finishes, then `done`; closing the connection stops the benchmark',
      requestBody: jsonBody(
        obj(
          {
            model: modelIn,
            batch_sizes: { type: 'array', items: int32(1), description: 'Default [1, 32]' },
            device: { type: 'string', description: '"cpu" (default); "gpu"/"cuda:N" is a 400 FAILED_PRECONDITION when the service has none' },
            precision,
            target: { type: 'string', enum: enumNames(ev.BenchmarkTarget, 'BENCHMARK_TARGET_') },
            duration_ms: int32(),
            iterations: int64(),
            warmup_iterations: int32(),
            concurrency: int32(),
            inputs: datasetIn,
            dim_values: intMap,
            tags: stringMap,
          },
          ['model'],
        ),
      ),
      responses: { '200': { description: 'text/event-stream', content: { 'text/event-stream': { schema: ref('BenchmarkEvent') } } }, ...errors },
    },
  },
  '/v1/comparisons': {
    post: {
      summary: 'Run the same data through precision variants of one version and report each metric\'s delta against the baseline (fp32)',
      requestBody: jsonBody(
        obj(
          {
            model: modelIn,
            dataset: datasetIn,
            split: str,
            label_field: str,
            class_names: strList,
            baseline: precision,
            candidates: { type: 'array', items: precision },
            metric: str,
            max_drop: { type: 'number', minimum: 0 },
            max_records: int64(),
            seed: int64(),
            candidate_model: { ...modelIn, description: 'Compare two versions (model = baseline) instead of precisions; candidates must then be empty' },
            resamples: { ...int32(), maximum: 10_000, description: 'Bootstrap resamples; default 1000' },
            confidence: { type: 'number', minimum: 0, description: 'Interval level; default 0.95' },
            record_usability: { type: 'boolean', description: 'Record variant/<precision>/usable on the version; default true for precisions' },
          },
          ['model', 'dataset'],
        ),
      ),
      responses: { '200': ok('Comparison', ref('Comparison')), ...errors },
    },
  },
  '/v1/gates': {
    post: { summary: 'Create a promotion gate', requestBody: jsonBody(obj({ name: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' }, ...gateFields }, ['name', 'thresholds'])), responses: { '201': ok('Created (Location: the gate)', ref('Gate')), ...errors } },
    get: { summary: 'Gates', parameters: paging, responses: { '200': ok('Gates', ref('GateList')), ...errors } },
  },
  '/v1/gates/{gate_id}': {
    parameters: [gateId],
    get: { summary: 'A gate', responses: { '200': ok('Gate', ref('Gate')), ...errors } },
    patch: { summary: 'Change a gate: only the fields given (thresholds replaced when non-empty; tags merged, an empty value removes a key)', requestBody: jsonBody(obj(gateFields, [])), responses: { '200': ok('Gate', ref('Gate')), ...errors } },
    delete: { summary: 'Delete a gate (its decisions are kept)', responses: { '204': { description: 'Deleted' }, ...errors } },
  },
  '/v1/gates/{gate_id}:evaluate': {
    parameters: [gateId],
    post: {
      summary: 'Decide whether a model version passes the gate (on a given finished run, or evaluating it); with promote, a pass moves the gate\'s promote_alias (needs the write scope, as setting an alias does)',
      requestBody: jsonBody(obj({ model: modelIn, evaluation_run_id: runIdSchema, promote: bool }, ['model'])),
      responses: { '200': ok('The decision, with one result per threshold and the reasons of a fail', ref('GateDecision')), ...errors },
    },
  },
  '/v1/gates/{gate_id}/decisions': {
    parameters: [gateId],
    get: { summary: 'A gate\'s decisions, newest first', parameters: [...modelQuery, ...paging], responses: { '200': ok('Decisions', ref('GateDecisionList')), ...errors } },
  },
};
