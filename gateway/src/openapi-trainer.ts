/**
 * The OpenAPI entries of the trainer routes (routes/trainer-routes.ts). The
 * TrainingSpec schemas are generated from the same table the routes parse
 * with (routes/trainer/spec-schema.ts), so the document cannot promise a
 * field the gateway refuses, or miss one it takes.
 */
import { common as c, PRECISION_NAMES } from '@l1g1/contracts';
import { enumNames } from './routes/ingestion/enum-names';
import { openApiSchemaOf } from './routes/trainer/spec-codec';
import { messagesOf, TRAINING_SPEC } from './routes/trainer/spec-schema';
import { bool, err, int32, int64, jsonBody, num, numberMap, obj, ok, p, page, paging, ref, str, stringMap, timestamp, type Json } from './openapi-helpers';

const nullable = (schema: Json): Json => ({ oneOf: [schema, { type: 'null' }] });
const errors = {
  '400': err('Bad input; `field` names what was wrong (e.g. spec.config.batch_size)'),
  '404': err('No such job or checkpoint'),
  '409': err('Conflict (ABORTED): e.g. resuming a job that is running'),
  '429': err('Overloaded (Retry-After)'),
  '503': err('Trainer service unavailable (Retry-After)'),
};
const jobId = p('job_id', 'path', { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$', maxLength: 128 }, 'Training job id');
const idRef = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$', maxLength: 128 };
const modelRef = obj({ name: str, version: { type: 'integer' }, alias: str }, ['name']);
const progress = {
  step: { type: 'integer' },
  total_steps: { type: 'integer' },
  epoch: { type: 'integer' },
  round: { type: 'integer' },
  loss: num,
  learning_rate: num,
  samples_per_second: num,
  metrics: { ...numberMap, description: 'Latest validation metrics (val_loss, val_accuracy, val_macro_f1 ...)' },
  epsilon_spent: num,
};
const status = {
  job_id: str,
  kind: { type: 'string', description: 'The job runtime kind: trainer.train' },
  state: { type: 'string', enum: enumNames(c.JobState, 'JOB_STATE_') },
  progress: { type: 'number', minimum: 0, maximum: 1 },
  message: str,
  attempts: { type: 'integer' },
  max_attempts: { type: 'integer' },
  cancel_requested: bool,
  idempotency_key: str,
  error: nullable(obj({ reason: str, field: str, message: str })),
  created_at: timestamp,
  started_at: timestamp,
  finished_at: timestamp,
  updated_at: timestamp,
};
const checkpoint = {
  id: str,
  job_id: str,
  step: { type: 'integer' },
  epoch: { type: 'integer' },
  sha256: str,
  size_bytes: { type: 'integer' },
  metrics: numberMap,
  best: bool,
  epsilon_spent: num,
  created_at: timestamp,
};
/** The flattened JobStatus every `/v1` job shows (training jobs here, evaluation runs in openapi-evaluator.ts). */
export const JOB_STATUS_PROPERTIES: Json = status;
const eventHead = { sequence: { type: 'integer', description: 'Also the SSE id (Last-Event-ID)' }, job_id: str, at: timestamp };

export const TRAINER_SCHEMAS: Json = {
  ...Object.fromEntries(messagesOf(TRAINING_SPEC).map((m) => [m.name, openApiSchemaOf(m)])),
  TrainingProgress: obj(progress),
  TrainingJob: obj({
    ...status,
    spec: ref('TrainingSpec'),
    training: ref('TrainingProgress'),
    registered_model: nullable(modelRef),
    resumed_from_checkpoint: { type: 'string', description: 'Checkpoint the latest run started from; empty: from scratch' },
    attempt: { type: 'integer' },
    worker_id: str,
    created_by: str,
    tags: stringMap,
    stop_reason: str,
  }),
  TrainingJobList: obj({ jobs: { type: 'array', items: ref('TrainingJob') }, ...page }),
  TrainingCheckpoint: obj(checkpoint),
  TrainingCheckpointList: obj({ checkpoints: { type: 'array', items: ref('TrainingCheckpoint') }, ...page }),
  TrainingExport: obj({ checkpoint_id: str, precision: { type: 'string', enum: [...PRECISION_NAMES.values()] }, sha256: str, size_bytes: { type: 'integer' }, signature: ref('Signature'), registered_model: nullable(modelRef) }),
  TrainingEvent: {
    description: 'The data of one SSE event; the SSE event name says which shape',
    oneOf: [
      { title: 'step', ...obj({ ...eventHead, ...progress }) },
      { title: 'evaluation', ...obj({ ...eventHead, step: { type: 'integer' }, epoch: { type: 'integer' }, metrics: numberMap, improved: bool }) },
      { title: 'checkpoint', ...obj({ ...eventHead, checkpoint: ref('TrainingCheckpoint') }) },
      { title: 'status', ...obj({ ...eventHead, status: obj(status) }) },
      { title: 'registered', ...obj({ ...eventHead, model: modelRef }) },
    ],
  },
};

export const TRAINER_PATHS: Json = {
  '/v1/training/jobs': {
    post: {
      summary: 'Start a training job on a dataset snapshot (the spec is checked, defaulted and pinned; the answer holds the spec that will run)',
      requestBody: jsonBody(obj({ spec: ref('TrainingSpec'), idempotency_key: { type: 'string', maxLength: 256 }, tags: stringMap }, ['spec'])),
      responses: { '202': ok('Queued (Location: the job)', ref('TrainingJob')), ...errors },
    },
    get: {
      summary: 'Training jobs, newest first',
      parameters: [p('state', 'query', { type: 'string', enum: enumNames(c.JobState, 'JOB_STATE_') }), p('model_name', 'query', { type: 'string', maxLength: 128 }, 'Jobs registering into this model'), p('dataset', 'query', str, 'Jobs training on this dataset'), ...paging],
      responses: { '200': ok('Jobs', ref('TrainingJobList')), ...errors },
    },
  },
  '/v1/training/jobs/{job_id}': {
    parameters: [jobId],
    get: { summary: 'A training job: state, resolved spec, latest figures, registered model', responses: { '200': ok('Job', ref('TrainingJob')), ...errors } },
  },
  '/v1/training/jobs/{job_id}:cancel': {
    parameters: [jobId],
    post: { summary: 'Stop the job at the next step; its checkpoints are kept for :resume', requestBody: jsonBody(obj({}, []), false), responses: { '200': ok('Job', ref('TrainingJob')), ...errors } },
  },
  '/v1/training/jobs/{job_id}:resume': {
    parameters: [jobId],
    post: {
      summary: 'Re-queue a cancelled or failed job, under the same job_id (attempts kept, its event stream continues), from its latest (or a named) checkpoint; a queued, running or succeeded job is a 400 FAILED_PRECONDITION naming job_id',
      requestBody: jsonBody(obj({ checkpoint_id: idRef, epochs: { ...int32(1), description: 'Raise the epoch count; absent: unchanged' } }, []), false),
      responses: { '200': ok('Job', ref('TrainingJob')), ...errors },
    },
  },
  '/v1/training/jobs/{job_id}:export': {
    parameters: [jobId],
    post: {
      summary: 'Convert a checkpoint (default: the best, else the latest) to ONNX, optionally registering it under the job\'s register_as',
      requestBody: jsonBody(obj({ checkpoint_id: idRef, precision: { type: 'string', enum: [...PRECISION_NAMES.values()] }, opset: { type: 'integer', minimum: 1, maximum: 100, description: 'Default 17' }, register: bool }, []), false),
      responses: { '200': ok('The exported model', ref('TrainingExport')), ...errors },
    },
  },
  '/v1/training/jobs/{job_id}/checkpoints': {
    parameters: [jobId],
    get: { summary: 'A job\'s checkpoints (id, step, epoch, sha256, size, metrics)', parameters: paging, responses: { '200': ok('Checkpoints', ref('TrainingCheckpointList')), ...errors } },
  },
  '/v1/training/jobs/{job_id}/events': {
    parameters: [jobId],
    get: {
      summary: 'Server-Sent Events of a job (id = sequence): step, evaluation, checkpoint, status, registered; stored events first, then live; ends after the terminal status',
      parameters: [p('Last-Event-ID', 'header', int64(), 'Replay after this sequence (what EventSource sends on reconnect)'), p('after_sequence', 'query', int64(), 'The same, for clients that cannot set headers')],
      responses: { '200': { description: 'text/event-stream', content: { 'text/event-stream': { schema: ref('TrainingEvent') } } }, ...errors },
    },
  },
};
