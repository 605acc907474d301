/**
 * Trainer requests from `/v1` bodies, paths and queries. Each parser refuses
 * a bad value with a 400 naming the field, before the trainer is called.
 */
import { common, trainer } from '@l1g1/contracts';
import { errors } from '@l1g1/kit';
import { parsePrecision } from '../../rest-json';
import { INT64_SAFE_MAX, intParam, jsonInt, objectBody, onlyFields, optionalString, stringMap } from '../common';
import { parseEnum } from '../ingestion/enum-names';
import { datasetName, page, type Query } from '../ingestion/request-parsers';
import { parseMessage } from './spec-codec';
import { TRAINING_SPEC } from './spec-schema';

const ID = /^[A-Za-z0-9_-]{1,128}$/;
/** TrainConfig.batch_size's documented default. */
const DEFAULT_BATCH_SIZE = 32;

/** A job id as the kit mints them; checked so that a wild value is a 400, not a lookup. */
export function jobIdParam(value: string | undefined): string {
  if (!value || !ID.test(value)) throw errors.invalidArgument('job_id', 'must be a job id (letters, digits, _ and -, at most 128)');
  return value;
}

function checkpointId(value: unknown): string {
  const id = optionalString(value, 'checkpoint_id') ?? '';
  if (id !== '' && !ID.test(id)) throw errors.invalidArgument('checkpoint_id', 'must be a checkpoint id (letters, digits, _ and -, at most 128)');
  return id;
}

/** POST /v1/training/jobs: `{ spec, idempotency_key?, tags? }`. */
export function createJobRequest(body: unknown): trainer.CreateTrainingJobRequest {
  const b = onlyFields(objectBody(body), ['spec', 'idempotency_key', 'tags']);
  if (b['spec'] === undefined || b['spec'] === null) throw errors.invalidArgument('spec', 'is required: the training spec (architecture, data, config)');
  // The table mirrors the message, so the parsed object is a partial TrainingSpec; fromPartial fills the proto defaults in.
  const spec = trainer.TrainingSpec.fromPartial(parseMessage(TRAINING_SPEC, b['spec'], 'spec') as unknown as trainer.TrainingSpec);
  // proto3 cannot tell "absent" from 0 and the trainer refuses a batch of 0 (a client's mistake);
  // absent in JSON is told apart here, so the contract's default is filled in here.
  if (spec.config && spec.config.batchSize === 0) spec.config.batchSize = DEFAULT_BATCH_SIZE;
  const idempotencyKey = optionalString(b['idempotency_key'], 'idempotency_key') ?? '';
  if (idempotencyKey.length > 256) throw errors.invalidArgument('idempotency_key', 'must be at most 256 characters');
  return { spec, idempotencyKey, tags: stringMap(b['tags'], 'tags') };
}

/** GET /v1/training/jobs: `state`, `model_name`, `dataset`, paging. */
export function listJobsRequest(q: Query): trainer.ListJobsRequest {
  const modelName = q['model_name'] ?? '';
  if (modelName.length > 128) throw errors.invalidArgument('model_name', 'must be at most 128 characters');
  return {
    page: page(q),
    state: parseEnum(common.JobState, 'JOB_STATE_', q['state'], 'state'),
    modelName,
    dataset: q['dataset'] ? datasetName(q['dataset']) : '',
  };
}

/** POST /v1/training/jobs/{job_id}:resume: `{ checkpoint_id?, epochs? }`. */
export function resumeJobRequest(jobId: string, body: unknown): trainer.ResumeJobRequest {
  const b = onlyFields(objectBody(body), ['checkpoint_id', 'epochs']);
  return { jobId, checkpointId: checkpointId(b['checkpoint_id']), epochs: b['epochs'] === undefined || b['epochs'] === null ? 0 : jsonInt(b['epochs'], 'epochs', { min: 1, max: 1_000_000 }) };
}

/** POST /v1/training/jobs/{job_id}:export: `{ checkpoint_id?, precision?, opset?, register? }`. */
export function exportRequest(jobId: string, body: unknown): trainer.ExportOnnxRequest {
  const b = onlyFields(objectBody(body), ['checkpoint_id', 'precision', 'opset', 'register']);
  const register = b['register'] ?? false;
  if (typeof register !== 'boolean') throw errors.invalidArgument('register', 'must be true or false');
  return {
    jobId,
    checkpointId: checkpointId(b['checkpoint_id']),
    precision: parsePrecision(b['precision'] ?? undefined),
    // ONNX opsets run from 1 into the low 20s; 0 or absent: the trainer's default (17).
    opset: b['opset'] === undefined || b['opset'] === null ? 0 : jsonInt(b['opset'], 'opset', { min: 1, max: 100 }),
    register,
  };
}

/** The sequence to replay after: `Last-Event-ID` (what EventSource sends), else `after_sequence`. */
export function afterSequence(header: string | string[] | undefined, q: Query): number {
  const fromHeader = typeof header === 'string' && header !== '';
  // Sequences are int64 in the contract, carried as JS numbers: beyond 2^53 - 1 is refused, not rounded.
  return intParam(fromHeader ? header : q['after_sequence'], fromHeader ? 'Last-Event-ID' : 'after_sequence', { fallback: 0, max: INT64_SAFE_MAX });
}
