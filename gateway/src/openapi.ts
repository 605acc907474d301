/**
 * The gateway's OpenAPI 3.1 document, served at /openapi.json. Written by
 * hand next to the routes (a test checks that every route is documented and
 * every documented path exists).
 */
import { PRECISION_NAMES } from '@l1g1/contracts';

type Json = Record<string, unknown>;

/** The precision names, from the contracts' one table. */
const PRECISIONS = [...PRECISION_NAMES.values()];

const err = (description: string): Json => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
const ok = (description: string, schema: Json = { type: 'object' }): Json => ({ description, content: { 'application/json': { schema } } });
const jsonBody = (schema: Json): Json => ({ required: true, content: { 'application/json': { schema } } });
const p = (name: string, where: 'path' | 'query' | 'header' = 'path', schema: Json = { type: 'string' }, description = ''): Json => ({
  name,
  in: where,
  required: where === 'path',
  schema,
  ...(description ? { description } : {}),
});
const name = p('name', 'path', { type: 'string' }, 'Model name');
const version = p('version', 'path', { type: 'integer', minimum: 1 });
const paging = [p('page_size', 'query', { type: 'integer' }), p('page_token', 'query')];
const common = { '400': err('Bad input; the message names the field'), '404': err('Not found'), '503': err('Upstream unavailable (circuit open)') };
const upload = {
  required: true,
  content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
};

export function buildOpenApi(): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'L1G1 gateway',
      version: '0.1.0',
      description: 'REST + SSE front door of the L1G1 suite: model registry, L1G1 predict, and the KServe Open Inference Protocol v2.',
    },
    paths: {
      '/healthz': { get: { summary: 'Liveness', responses: { '200': ok('Alive') } } },
      '/readyz': { get: { summary: 'Readiness (no upstream breaker open)', responses: { '200': ok('Ready'), '503': ok('Not ready') } } },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text/plain exposition' } } } },
      '/openapi.json': { get: { summary: 'This document', responses: { '200': ok('OpenAPI') } } },
      '/v1/models': {
        get: { summary: 'List models', parameters: [...paging, p('query', 'query'), p('tag.{key}', 'query')], responses: { '200': ok('Models'), ...common } },
        post: {
          summary: 'Create a model',
          requestBody: jsonBody({ type: 'object', required: ['name'], properties: { name: { type: 'string' }, description: { type: 'string' }, task: { type: 'string' }, tags: { type: 'object' } } }),
          responses: { '201': ok('Created'), '409': err('Already exists'), ...common },
        },
      },
      '/v1/models/{name}': {
        parameters: [name],
        get: { summary: 'Get a model', responses: { '200': ok('Model'), ...common } },
        patch: { summary: 'Update description/task/tags (empty tag value removes it)', requestBody: jsonBody({ type: 'object' }), responses: { '200': ok('Model'), ...common } },
        delete: { summary: 'Delete a model with its versions and aliases', responses: { '200': ok('Deleted'), ...common } },
      },
      '/v1/models/{name}/versions': {
        parameters: [name],
        get: { summary: 'List versions', parameters: [...paging, p('include_archived', 'query'), p('dataset', 'query')], responses: { '200': ok('Versions'), ...common } },
        post: {
          summary: 'Upload a new version (raw ONNX body, streamed; checksum-verified; atomic)',
          parameters: [
            p('precision', 'query', { enum: PRECISIONS }),
            p('sha256', 'query', { type: 'string' }, 'Expected sha256; the upload fails on mismatch'),
            p('description', 'query'),
            p('tags', 'query', { type: 'string' }, 'JSON object'),
            p('metrics', 'query', { type: 'string' }, 'JSON object of numbers'),
            p('lineage', 'query', { type: 'string' }, 'JSON: {dataset:{name,snapshot}, training_job_id, parent:{name,version}, code_version, params}'),
            p('create_model', 'query', { type: 'boolean' }),
          ],
          requestBody: upload,
          responses: { '201': ok('Version'), '413': err('Artifact over the limit'), ...common },
        },
      },
      '/v1/models/{name}/versions/{version}': {
        parameters: [name, version],
        get: { summary: 'Get a version', responses: { '200': ok('Version'), ...common } },
        patch: { summary: 'Update description/tags/metrics', requestBody: jsonBody({ type: 'object' }), responses: { '200': ok('Version'), ...common } },
        delete: { summary: 'Delete a version (refused while an alias points at it)', responses: { '204': { description: 'Deleted' }, '412': err('Aliased'), ...common } },
      },
      '/v1/models/{name}/versions/{version}/archive': {
        parameters: [name, version],
        post: { summary: 'Archive a version', responses: { '200': ok('Version'), ...common } },
      },
      '/v1/models/{name}/versions/{version}/variants/{precision}': {
        parameters: [name, version, p('precision', 'path', { enum: PRECISIONS })],
        put: { summary: 'Upload a precision variant of a version', requestBody: upload, responses: { '201': ok('Version'), '413': err('Too large'), ...common } },
      },
      '/v1/models/{name}/versions/{version}/artifact': {
        parameters: [name, version, p('precision', 'query', { enum: PRECISIONS })],
        get: { summary: 'Download the artifact (streamed; ETag = sha256)', responses: { '200': { description: 'Artifact bytes', content: { 'application/octet-stream': {} } }, ...common } },
      },
      '/v1/models/{name}/aliases/{alias}': {
        parameters: [name, p('alias')],
        put: { summary: 'Set or move an alias', requestBody: jsonBody({ type: 'object', required: ['version'], properties: { version: { type: 'integer' } } }), responses: { '200': ok('Alias event'), ...common } },
        delete: { summary: 'Remove an alias', responses: { '200': ok('Alias event'), ...common } },
      },
      '/v1/models/{name}/alias-events': {
        parameters: [name],
        get: { summary: 'Alias audit log (who, when, from, to)', parameters: paging, responses: { '200': ok('Events'), ...common } },
      },
      '/v1/events/aliases': {
        get: {
          summary: 'Server-Sent Events: alias changes (id = event id; Last-Event-ID resumes; comment heartbeats)',
          parameters: [p('model', 'query'), p('last_event_id', 'query', { type: 'integer' }), p('Last-Event-ID', 'header', { type: 'integer' })],
          responses: { '200': { description: 'text/event-stream', content: { 'text/event-stream': {} } }, ...common },
        },
      },
      '/v1/models/{name}:predict': {
        parameters: [p('name', 'path', { type: 'string' }, 'Model name, optionally name@alias')],
        post: {
          summary: 'Predict (L1G1 API): tensors in, tensors and timings out',
          requestBody: jsonBody({
            type: 'object',
            required: ['inputs'],
            properties: {
              inputs: { type: 'array', items: { $ref: '#/components/schemas/Tensor' } },
              outputs: { type: 'array', items: { type: 'string' } },
              version: { type: 'integer' },
              alias: { type: 'string' },
              precision: { enum: PRECISIONS },
              metadata: { type: 'object' },
              request_id: { type: 'string' },
            },
          }),
          responses: { '200': ok('Outputs, version served, timing {queue_us, compute_us, batch_size}'), '429': err('Queue full (Retry-After)'), '504': err('Upstream timeout'), ...common },
        },
      },
      '/v2': { get: { summary: 'OIP server metadata', responses: { '200': ok('Server metadata') } } },
      '/v2/health/live': { get: { summary: 'OIP liveness', responses: { '200': ok('Live') } } },
      '/v2/health/ready': { get: { summary: 'OIP readiness', responses: { '200': ok('Ready'), '503': ok('Not ready') } } },
      '/v2/models/{name}': { parameters: [name], get: { summary: 'OIP model metadata (production alias)', responses: { '200': ok('Metadata'), ...common } } },
      '/v2/models/{name}/ready': { parameters: [name], get: { summary: 'OIP model readiness', responses: { '200': ok('Ready'), '503': ok('Not ready') } } },
      '/v2/models/{name}/versions/{version}': { parameters: [name, p('version')], get: { summary: 'OIP model metadata (version number or alias)', responses: { '200': ok('Metadata'), ...common } } },
      '/v2/models/{name}/versions/{version}/ready': { parameters: [name, p('version')], get: { summary: 'OIP model readiness', responses: { '200': ok('Ready'), '503': ok('Not ready') } } },
      '/v2/repository/index': {
        post: {
          summary: 'OIP model_repository: loaded, loading and recently unloaded models [{name, version, state, reason}]',
          requestBody: { required: false, content: { 'application/json': { schema: { type: 'object', properties: { ready: { type: 'boolean' } } } } } },
          responses: { '200': ok('Models', { type: 'array', items: { type: 'object' } }), ...common },
        },
      },
      '/v2/repository/models/{name}/load': {
        parameters: [name],
        post: {
          summary: 'OIP model_repository: load a model (production alias, or parameters.version / parameters.precision)',
          requestBody: { required: false, content: { 'application/json': { schema: { type: 'object', properties: { parameters: { type: 'object' } } } } } },
          responses: { '200': ok('Loaded'), '429': err('No room: every loaded model is in use (Retry-After)'), ...common },
        },
      },
      '/v2/repository/models/{name}/unload': {
        parameters: [name],
        post: { summary: 'OIP model_repository: unload every loaded version of a model (requests in flight finish)', responses: { '200': ok('Unloaded'), ...common } },
      },
      '/v2/models/{name}/infer': {
        parameters: [name],
        post: {
          summary: 'OIP inference (production alias). JSON, or the binary-data extension with Inference-Header-Content-Length',
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/InferRequest' } }, 'application/octet-stream': {} } },
          responses: { '200': ok('InferResponse'), '429': err('Queue full'), ...common },
        },
      },
      '/v2/models/{name}/versions/{version}/infer': {
        parameters: [name, p('version')],
        post: {
          summary: 'OIP inference on a version number or alias',
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/InferRequest' } }, 'application/octet-stream': {} } },
          responses: { '200': ok('InferResponse'), '429': err('Queue full'), ...common },
        },
      },
    },
    components: {
      schemas: {
        Error: {
          type: 'object',
          properties: {
            error: {
              type: 'object',
              properties: { code: { type: 'string' }, reason: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } },
            },
          },
        },
        Tensor: {
          type: 'object',
          required: ['name', 'datatype', 'shape', 'data'],
          properties: {
            name: { type: 'string' },
            datatype: { enum: ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'] },
            shape: { type: 'array', items: { type: 'integer' } },
            data: { type: 'array' },
          },
        },
        InferRequest: {
          type: 'object',
          required: ['inputs'],
          properties: {
            id: { type: 'string' },
            parameters: { type: 'object' },
            inputs: { type: 'array', items: { $ref: '#/components/schemas/Tensor' } },
            outputs: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, parameters: { type: 'object' } } } },
          },
        },
      },
    },
  };
}
