/**
 * The gateway's OpenAPI 3.1 document, served at /openapi.json. Written by
 * hand next to the routes; tests check that every route is documented, that
 * every property name is snake_case (the /v1 dialect), and that a real
 * OpenAPI validator accepts it.
 */
import { PRECISION_NAMES } from '@l1g1/contracts';
import { AUTH_SECURITY_SCHEMES, KEY_PATHS } from './auth/openapi-auth';
import { INGESTION_PATHS, INGESTION_SCHEMAS } from './openapi-ingestion';
import { LABELING_PATHS, LABELING_SCHEMAS } from './openapi-labeling';
import { LABELING_ML_PATHS, LABELING_ML_SCHEMAS } from './openapi-labeling-ml';
import { EVALUATOR_PATHS, EVALUATOR_SCHEMAS } from './openapi-evaluator';
import { TRAINER_PATHS, TRAINER_SCHEMAS } from './openapi-trainer';

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const err = (description: string): Json => ({ description, content: { 'application/json': { schema: ref('Error') } } });
const oipErr = (description: string): Json => ({ description, content: { 'application/json': { schema: ref('OipError') } } });
const ok = (description: string, schema: Json = { type: 'object' }): Json => ({ description, content: { 'application/json': { schema } } });
const noContent = { description: 'Done; no body' };
const jsonBody = (schema: Json): Json => ({ required: true, content: { 'application/json': { schema } } });
const p = (name: string, where: 'path' | 'query' | 'header' = 'path', schema: Json = { type: 'string' }, description = ''): Json => ({
  name,
  in: where,
  required: where === 'path',
  schema,
  ...(description ? { description } : {}),
});
const INT32_MAX = 2147483647;
const int32 = (minimum = 0): Json => ({ type: 'integer', minimum, maximum: INT32_MAX });
/** The precision names, from the contracts' one table. */
const precisionEnum = { type: 'string', enum: [...PRECISION_NAMES.values()] };
const name = p('name', 'path', { type: 'string', maxLength: 128 }, 'Model name');
const version = p('version', 'path', int32(1), 'Version number');
const oipVersion = p('version', 'path', { type: 'string' }, 'Version number or alias name');
const paging = [p('page_size', 'query', int32(), '0 = the default (50); above 1000 is served as 1000 (AIP-158)'), p('page_token', 'query', { type: 'string' }, 'next_page_token of the previous page')];
const tagQuery = p('tag.{key}', 'query', { type: 'string' }, 'Only items whose tag {key} has this value (repeatable with different keys)');
const common = {
  '400': err('Bad input; `field` names what was wrong'),
  '404': err('Not found'),
  '415': err('Unsupported content type'),
  '429': err('Overloaded (Retry-After)'),
  '503': err('Upstream unavailable (Retry-After)'),
};
const oipCommon = { '400': oipErr('Bad input'), '404': oipErr('Unknown model or version'), '415': oipErr('Unsupported content type'), '429': oipErr('Overloaded (Retry-After)'), '503': oipErr('Unavailable (Retry-After)') };
const upload = {
  required: true,
  content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
};
const stringMap = { type: 'object', additionalProperties: { type: 'string' } };
const numberMap = { type: 'object', additionalProperties: { type: 'number' } };
const timestamp = { type: ['string', 'null'], format: 'date-time' };
const datatype = { type: 'string', enum: ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'] };
const page = { next_page_token: { type: 'string', description: 'Empty on the last page' }, total_size: { type: 'integer' } };
const obj = (properties: Json, required: string[] = Object.keys(properties)): Json => ({ type: 'object', required, properties });

const schemas: Record<string, Json> = {
  Error: obj({
    error: obj({ code: { type: 'string', description: 'gRPC status name' }, reason: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } }, ['code', 'reason', 'message']),
  }),
  OipError: obj({ error: { type: 'string' } }),
  Model: obj({
    name: { type: 'string' },
    description: { type: 'string' },
    task: { type: 'string' },
    tags: stringMap,
    created_at: timestamp,
    updated_at: timestamp,
    latest_version: { type: 'integer' },
    aliases: { type: 'object', additionalProperties: { type: 'integer' }, description: 'alias -> version' },
  }),
  ModelList: obj({ models: { type: 'array', items: ref('Model') }, ...page }),
  TensorSpec: obj({ name: { type: 'string' }, datatype, shape: { type: 'array', items: { type: 'integer' }, description: '-1 = any size' }, dim_names: { type: 'array', items: { type: 'string' } } }),
  Signature: obj({ inputs: { type: 'array', items: ref('TensorSpec') }, outputs: { type: 'array', items: ref('TensorSpec') } }),
  Artifact: obj(
    {
      precision: precisionEnum,
      format: { type: 'string' },
      sha256: { type: 'string' },
      size_bytes: { type: 'integer' },
      uri: { type: 'string', description: 'Logical l1g1:// URI (never a host path)' },
      download_url: { type: 'string', description: 'Where the gateway serves the bytes' },
      signature: ref('Signature'),
      created_at: timestamp,
    },
    ['precision', 'format', 'sha256', 'size_bytes', 'download_url', 'signature', 'created_at'],
  ),
  ModelRef: obj({ name: { type: 'string' }, version: { type: 'integer' }, alias: { type: 'string' } }, ['name']),
  Lineage: obj({
    dataset: { oneOf: [obj({ name: { type: 'string' }, snapshot: int32() }), { type: 'null' }] },
    training_job_id: { type: 'string' },
    parent: { oneOf: [ref('ModelRef'), { type: 'null' }] },
    code_version: { type: 'string' },
    params: stringMap,
  }),
  Version: obj({
    model_name: { type: 'string' },
    version: { type: 'integer' },
    status: { type: 'string', enum: ['ready', 'archived'] },
    description: { type: 'string' },
    tags: stringMap,
    metrics: numberMap,
    lineage: ref('Lineage'),
    artifacts: { type: 'array', items: ref('Artifact') },
    aliases: { type: 'array', items: { type: 'string' } },
    created_at: timestamp,
    created_by: { type: 'string' },
  }),
  VersionList: obj({ versions: { type: 'array', items: ref('Version') }, ...page }),
  AliasEvent: obj({
    event_id: { type: 'integer' },
    model_name: { type: 'string' },
    alias: { type: 'string' },
    action: { type: 'string', enum: ['set', 'moved', 'removed', 'unchanged'] },
    from_version: { type: 'integer', description: '0 when the alias was new' },
    to_version: { type: 'integer', description: '0 when the alias was removed' },
    actor: { type: 'string' },
    at: timestamp,
    changed: { type: 'boolean', description: 'false for a move to the version the alias already had (action unchanged)' },
  }),
  AliasEventList: obj({ events: { type: 'array', items: ref('AliasEvent') }, ...page }),
  Tensor: obj(
    {
      name: { type: 'string' },
      datatype,
      shape: { type: 'array', items: { type: 'integer', minimum: 0 } },
      data: { type: 'array', description: 'Row-major values, flat or nested; finite numbers only (outputs: non-finite values as the strings "NaN", "Infinity", "-Infinity")' },
      parameters: { type: 'object', properties: { binary_data_size: { type: 'integer', minimum: 0 } } },
    },
    ['name', 'datatype', 'shape'],
  ),
  PredictRequest: obj(
    {
      inputs: { type: 'array', minItems: 1, items: ref('Tensor') },
      outputs: { type: 'array', items: { type: 'string' } },
      version: int32(1),
      alias: { type: 'string' },
      precision: precisionEnum,
      metadata: stringMap,
      request_id: { type: 'string' },
    },
    ['inputs'],
  ),
  PredictResponse: obj(
    {
      model_name: { type: 'string' },
      model_version: { type: 'integer' },
      precision: precisionEnum,
      outputs: { type: 'array', items: ref('Tensor') },
      timing: obj({ queue_us: { type: 'integer' }, compute_us: { type: 'integer' }, batch_size: { type: 'integer' } }),
      metadata: stringMap,
      request_id: { type: 'string' },
    },
    ['model_name', 'model_version', 'precision', 'outputs', 'timing', 'metadata'],
  ),
  InferRequest: obj(
    {
      id: { type: 'string' },
      parameters: { type: 'object', properties: { precision: precisionEnum, binary_data_output: { type: 'boolean' } } },
      inputs: { type: 'array', minItems: 1, items: ref('Tensor') },
      outputs: { type: 'array', items: obj({ name: { type: 'string' }, parameters: { type: 'object', properties: { binary_data: { type: 'boolean' } } } }, ['name']) },
    },
    ['inputs'],
  ),
  InferResponse: obj(
    { model_name: { type: 'string' }, model_version: { type: 'string' }, id: { type: 'string' }, parameters: { type: 'object' }, outputs: { type: 'array', items: ref('Tensor') } },
    ['model_name', 'model_version', 'outputs'],
  ),
  ModelMetadata: obj({
    name: { type: 'string' },
    versions: { type: 'array', items: { type: 'string' } },
    platform: { type: 'string' },
    inputs: { type: 'array', items: obj({ name: { type: 'string' }, datatype, shape: { type: 'array', items: { type: 'integer' } } }) },
    outputs: { type: 'array', items: obj({ name: { type: 'string' }, datatype, shape: { type: 'array', items: { type: 'integer' } } }) },
  }),
  Ready: obj({ ready: { type: 'boolean' } }),
};

const inferBody = {
  required: true,
  content: {
    'application/json': { schema: ref('InferRequest') },
    'application/octet-stream': { schema: { type: 'string', format: 'binary', description: 'Binary-data extension: JSON header of Inference-Header-Content-Length bytes, then the raw tensors' } },
  },
};

export function buildOpenApi(): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'L1G1 gateway',
      version: '0.1.0',
      description:
        'REST + SSE front door of the L1G1 suite: model registry, L1G1 predict, and the KServe Open Inference Protocol v2. ' +
        '/v1 speaks one dialect: snake_case names, lowercase enums, RFC 3339 timestamps, DELETE answers 204. ' +
        'JSON bodies may be sent as application/json, without a content type, or as application/x-www-form-urlencoded (curl -d).',
    },
    paths: {
      ...KEY_PATHS,
      '/healthz': { get: { summary: 'Liveness', responses: { '200': ok('Alive', obj({ status: { type: 'string' } })) } } },
      '/readyz': { get: { summary: 'Readiness (no upstream breaker open)', responses: { '200': ok('Ready'), '503': ok('Not ready') } } },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text/plain exposition', content: { 'text/plain': { schema: { type: 'string' } } } } } } },
      '/openapi.json': { get: { summary: 'This document', responses: { '200': ok('OpenAPI') } } },
      '/v1/models': {
        get: { summary: 'List and search models', parameters: [...paging, p('query', 'query', { type: 'string' }, 'Case-insensitive substring of the name or description'), tagQuery], responses: { '200': ok('Models', ref('ModelList')), ...common } },
        post: {
          summary: 'Create a model',
          requestBody: jsonBody(obj({ name: { type: 'string' }, description: { type: 'string' }, task: { type: 'string' }, tags: stringMap }, ['name'])),
          responses: { '201': ok('Created', ref('Model')), '409': err('Already exists'), ...common },
        },
      },
      '/v1/models/{name}': {
        parameters: [name],
        get: { summary: 'Get a model', responses: { '200': ok('Model', ref('Model')), ...common } },
        patch: {
          summary: 'Update description/task/tags (an empty tag value removes it)',
          requestBody: jsonBody(obj({ description: { type: 'string' }, task: { type: 'string' }, tags: stringMap }, [])),
          responses: { '200': ok('Model', ref('Model')), ...common },
        },
        delete: { summary: 'Delete a model with its versions (refused while an alias points at one)', responses: { '204': noContent, ...common } },
      },
      '/v1/models/{name}/versions': {
        parameters: [name],
        get: {
          summary: 'List versions',
          parameters: [...paging, p('include_archived', 'query', { type: 'boolean' }), tagQuery, p('dataset', 'query'), p('dataset_snapshot', 'query', int32())],
          responses: { '200': ok('Versions', ref('VersionList')), ...common },
        },
        post: {
          summary: 'Upload a new version (raw ONNX body, streamed; checksum-verified; atomic)',
          parameters: [
            p('precision', 'query', precisionEnum),
            p('sha256', 'query', { type: 'string' }, 'Expected sha256; the upload fails on mismatch'),
            p('description', 'query'),
            p('tags', 'query', { type: 'string' }, 'JSON object of strings'),
            p('metrics', 'query', { type: 'string' }, 'JSON object of numbers'),
            p('lineage', 'query', { type: 'string' }, 'JSON Lineage: {"dataset":{"name","snapshot"},"training_job_id","parent":{"name","version"|"alias"},"code_version","params"}'),
            p('create_model', 'query', { type: 'boolean' }),
          ],
          requestBody: upload,
          responses: { '201': ok('Version', ref('Version')), '413': err('Artifact over the limit'), ...common },
        },
      },
      '/v1/models/{name}/versions/{version}': {
        parameters: [name, version],
        get: { summary: 'Get a version', responses: { '200': ok('Version', ref('Version')), ...common } },
        patch: {
          summary: 'Update description/tags/metrics',
          requestBody: jsonBody(obj({ description: { type: 'string' }, tags: stringMap, metrics: numberMap }, [])),
          responses: { '200': ok('Version', ref('Version')), ...common },
        },
        delete: { summary: 'Delete a version (refused with 400 while an alias points at it)', responses: { '204': noContent, ...common } },
      },
      '/v1/models/{name}/versions/{version}/archive': {
        parameters: [name, version],
        post: { summary: 'Archive a version', responses: { '200': ok('Version', ref('Version')), ...common } },
      },
      '/v1/models/{name}/versions/{version}/variants/{precision}': {
        parameters: [name, version, p('precision', 'path', precisionEnum)],
        put: { summary: 'Upload a precision variant of a version', requestBody: upload, responses: { '201': ok('Version', ref('Version')), '413': err('Too large'), ...common } },
      },
      '/v1/models/{name}/versions/{version}/artifact': {
        parameters: [name, version, p('precision', 'query', precisionEnum), p('Range', 'header', { type: 'string' }, 'One byte range, e.g. bytes=0-1023'), p('If-None-Match', 'header', { type: 'string' })],
        get: {
          summary: 'Download the artifact (streamed; ETag = sha256; Accept-Ranges: bytes)',
          responses: {
            '200': { description: 'Artifact bytes', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
            '206': { description: 'The requested byte range (Content-Range)', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
            '304': { description: 'If-None-Match matched the ETag' },
            '416': err('Range outside the artifact (Content-Range: bytes */size)'),
            ...common,
          },
        },
      },
      '/v1/models/{name}/aliases/{alias}': {
        parameters: [name, p('alias')],
        put: { summary: 'Set or move an alias; answers the event this call caused', requestBody: jsonBody(obj({ version: int32(1) })), responses: { '200': ok('Alias event', ref('AliasEvent')), ...common } },
        delete: { summary: 'Remove an alias', responses: { '204': noContent, ...common } },
      },
      '/v1/models/{name}/alias-events': {
        parameters: [name],
        get: { summary: 'Alias audit log (who, when, from, to)', parameters: paging, responses: { '200': ok('Events', ref('AliasEventList')), ...common } },
      },
      '/v1/events/aliases': {
        get: {
          summary: 'Server-Sent Events: alias changes (event: alias, data: AliasEvent; id = event_id; Last-Event-ID resumes; comment heartbeats)',
          parameters: [
            p('model', 'query'),
            p('last_event_id', 'query', { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
            p('Last-Event-ID', 'header', { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
          ],
          responses: { '200': { description: 'text/event-stream of AliasEvent', content: { 'text/event-stream': { schema: ref('AliasEvent') } } }, ...common },
        },
      },
      '/v1/models/{name}:predict': {
        parameters: [p('name', 'path', { type: 'string', maxLength: 193 }, 'Model name, optionally name@alias')],
        post: {
          summary: 'Predict (L1G1 API): tensors in, tensors and timings out',
          requestBody: jsonBody(ref('PredictRequest')),
          responses: { '200': ok('Outputs, version served, timing', ref('PredictResponse')), '413': err('Body over the limit'), '504': err('Upstream timeout'), ...common },
        },
      },
      '/v2': { get: { summary: 'OIP server metadata', responses: { '200': ok('Server metadata', obj({ name: { type: 'string' }, version: { type: 'string' }, extensions: { type: 'array', items: { type: 'string' } } })), '503': oipErr('Unavailable') } } },
      '/v2/health/live': { get: { summary: 'OIP liveness', responses: { '200': ok('Live', obj({ live: { type: 'boolean' } })) } } },
      '/v2/health/ready': { get: { summary: 'OIP readiness', responses: { '200': ok('Ready', ref('Ready')), '503': ok('Not ready', ref('Ready')) } } },
      '/v2/models/{name}': { parameters: [name], get: { summary: 'OIP model metadata (production alias)', responses: { '200': ok('Metadata', ref('ModelMetadata')), ...oipCommon } } },
      '/v2/models/{name}/ready': { parameters: [name], get: { summary: 'OIP model readiness (404 for an unknown model)', responses: { '200': ok('Ready', ref('Ready')), '503': ok('Not ready', ref('Ready')), '404': oipErr('Unknown model') } } },
      '/v2/models/{name}/versions/{version}': { parameters: [name, oipVersion], get: { summary: 'OIP model metadata (version number or alias)', responses: { '200': ok('Metadata', ref('ModelMetadata')), ...oipCommon } } },
      '/v2/models/{name}/versions/{version}/ready': { parameters: [name, oipVersion], get: { summary: 'OIP model readiness', responses: { '200': ok('Ready', ref('Ready')), '503': ok('Not ready', ref('Ready')), '404': oipErr('Unknown model or version') } } },
      '/v2/repository/index': {
        post: {
          summary: 'OIP model_repository: loaded, loading and recently unloaded models [{name, version, state, reason}]',
          requestBody: { required: false, content: { 'application/json': { schema: { type: 'object', properties: { ready: { type: 'boolean' } } } } } },
          responses: { '200': ok('Models', { type: 'array', items: { type: 'object' } }), ...oipCommon },
        },
      },
      '/v2/repository/models/{name}/load': {
        parameters: [name],
        post: {
          summary: 'OIP model_repository: load a model (production alias, or parameters.version / parameters.precision)',
          requestBody: { required: false, content: { 'application/json': { schema: { type: 'object', properties: { parameters: { type: 'object' } } } } } },
          responses: { '200': ok('Loaded', obj({})), ...oipCommon, '429': oipErr('No room: every loaded model is in use (Retry-After)') },
        },
      },
      '/v2/repository/models/{name}/unload': {
        parameters: [name],
        post: { summary: 'OIP model_repository: unload every loaded version of a model (requests in flight finish)', responses: { '200': ok('Unloaded', obj({})), ...oipCommon } },
      },
      '/v2/models/{name}/infer': {
        parameters: [name],
        post: {
          summary: 'OIP inference (production alias). JSON, or the binary-data extension with Inference-Header-Content-Length',
          parameters: [p('Inference-Header-Content-Length', 'header', { type: 'integer', minimum: 0 })],
          requestBody: inferBody,
          responses: { '200': ok('InferResponse', ref('InferResponse')), '413': oipErr('Body over the limit'), ...oipCommon },
        },
      },
      '/v2/models/{name}/versions/{version}/infer': {
        parameters: [name, oipVersion],
        post: {
          summary: 'OIP inference on a version number or alias',
          parameters: [p('Inference-Header-Content-Length', 'header', { type: 'integer', minimum: 0 })],
          requestBody: inferBody,
          responses: { '200': ok('InferResponse', ref('InferResponse')), '413': oipErr('Body over the limit'), ...oipCommon },
        },
      },
      ...INGESTION_PATHS,
      ...TRAINER_PATHS,
      ...LABELING_PATHS,
      ...LABELING_ML_PATHS,
      ...EVALUATOR_PATHS,
    },
    components: { securitySchemes: AUTH_SECURITY_SCHEMES, schemas: { ...schemas, ...INGESTION_SCHEMAS, ...TRAINER_SCHEMAS, ...LABELING_SCHEMAS, ...LABELING_ML_SCHEMAS, ...EVALUATOR_SCHEMAS } },
  };
}
