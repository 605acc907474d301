import type { FastifyInstance, FastifyRequest } from 'fastify';
import { common, registry } from '@l1g1/contracts';
import { errors, modelAllowed } from '@l1g1/kit';
import { deadlineMsFor } from '../admission/route-policy';
import type { GatewayConfig } from '../config';
import {
  aliasEventJson,
  lineageFromJson,
  listAliasEventsJson,
  listModelsJson,
  listVersionsJson,
  modelJson,
  parsePrecision,
  versionJson,
} from '../rest-json';
import type { Upstreams } from '../upstreams';
import { registerArtifactDownload } from './artifact-download';
import { declaredBodyBytes, relayBody } from './body-relay';
import { guarded, intParam, jsonInt, numberMap, objectBody, onlyFields, optionalString, rpc, stringMap } from './common';

type Params = Record<string, string>;
type Query = Record<string, string | undefined>;

/** `?dataset=NAME[&dataset_snapshot=N]`; a snapshot without its dataset is a mistake, not ignored. */
function datasetFilter(q: Query): { name: string; snapshot: number } | undefined {
  if (!q['dataset']) {
    if (q['dataset_snapshot'] !== undefined) throw errors.invalidArgument('dataset_snapshot', 'needs dataset (the snapshot of which dataset?)');
    return undefined;
  }
  return { name: q['dataset'], snapshot: intParam(q['dataset_snapshot'], 'dataset_snapshot', { fallback: 0 }) };
}

function page(q: Query): common.PageRequest {
  return { pageSize: intParam(q['page_size'], 'page_size', { fallback: 0 }), pageToken: q['page_token'] ?? '' };
}

/** `tag.<key>=<value>` query parameters. */
function tagFilter(q: Query): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(q)) if (k.startsWith('tag.') && v !== undefined) tags[k.slice(4)] = v;
  return tags;
}

function jsonParam(value: string | undefined, field: string): unknown {
  if (value === undefined || value === '') return undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw errors.invalidArgument(field, 'must be JSON');
  }
}

/** `true`/`1`/`false`/`0` (or absent) in a query string. */
function boolParam(value: string | undefined, field: string): boolean {
  if (value === undefined || value === '' || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw errors.invalidArgument(field, `must be true or false, got ${JSON.stringify(value.slice(0, 40))}`);
}

/** Upload header from query parameters (the body is the raw artifact). */
function uploadHeader(name: string, version: number, q: Query, precision: common.Precision): registry.UploadHeader {
  const lineage = jsonParam(q['lineage'], 'lineage');
  return {
    modelName: name,
    version,
    precision,
    format: q['format'] ?? 'onnx',
    expectedSha256: q['sha256'] ?? '',
    expectedSizeBytes: 0,
    description: q['description'] ?? '',
    tags: stringMap(jsonParam(q['tags'], 'tags'), 'tags'),
    metrics: numberMap(jsonParam(q['metrics'], 'metrics'), 'metrics'),
    lineage: lineage === undefined ? undefined : lineageFromJson(lineage),
    createModel: boolParam(q['create_model'], 'create_model'),
  };
}

export function registerRegistryRoutes(app: FastifyInstance, up: Upstreams, config: GatewayConfig): void {
  const reg = up.registry;
  const guard = up.guard.registry;

  app.post('/v1/models', async (req, reply) => {
    const b = objectBody(req.body);
    const model = await rpc(guard, reg.createModel.bind(reg), {
      name: optionalString(b['name'], 'name') ?? '',
      description: optionalString(b['description'], 'description') ?? '',
      task: optionalString(b['task'], 'task') ?? '',
      tags: stringMap(b['tags'], 'tags'),
    }, req);
    return reply.code(201).send(modelJson(model));
  });

  app.get('/v1/models', async (req) => {
    const q = req.query as Query;
    const res = await rpc(guard, reg.listModels.bind(reg), { page: page(q), query: q['query'] ?? '', tags: tagFilter(q) }, req);
    // A key limited to model patterns sees only its models (the page may come back shorter; the
    // total is then unknown to it, answered as 0).
    if (req.principal.modelPatterns.length === 0) return listModelsJson(res);
    const models = res.models.filter((m) => modelAllowed(req.principal, m.name));
    return listModelsJson({ ...res, models, page: res.page ? { ...res.page, totalSize: 0 } : undefined });
  });

  app.get('/v1/models/:name', async (req) => {
    const { name } = req.params as Params;
    return modelJson(await rpc(guard, reg.getModel.bind(reg), { name: name! }, req));
  });

  app.patch('/v1/models/:name', async (req) => {
    const { name } = req.params as Params;
    const b = onlyFields(objectBody(req.body), ['description', 'task', 'tags']);
    const model = await rpc(guard, reg.updateModel.bind(reg), {
      name: name!,
      description: optionalString(b['description'], 'description'),
      task: optionalString(b['task'], 'task'),
      tags: stringMap(b['tags'], 'tags'),
    }, req);
    return modelJson(model);
  });

  // Every DELETE answers 204 without a body (the one rule of the /v1 dialect);
  // how many versions went with the model is in the registry's audit log.
  app.delete('/v1/models/:name', async (req, reply) => {
    const { name } = req.params as Params;
    await rpc(guard, reg.deleteModel.bind(reg), { name: name! }, req);
    return reply.code(204).send();
  });

  // Artifact uploads: the HTTP body streams through to the registry in
  // chunks; nothing is buffered whole, and a cut upload leaves nothing.
  const upload = async (req: FastifyRequest, header: registry.UploadHeader, method: 'createVersion' | 'addVariant') => {
    const declared = declaredBodyBytes(req, config.maxUploadBytes, 'artifact');
    if (declared > 0) header.expectedSizeBytes = declared;
    return guarded(guard, () =>
      relayBody<registry.UploadArtifactRequest, registry.ModelVersion>(req, reg[method].bind(reg), {
        maxBytes: config.maxUploadBytes,
        what: 'artifact',
        deadlineMs: deadlineMsFor(req) ?? config.uploadTimeoutMs,
        head: [{ payload: { $case: 'header', value: header } }],
        chunk: (bytes) => ({ payload: { $case: 'chunk', value: bytes } }),
        notAStream: errors.invalidArgument('content-type', 'send the artifact as the raw request body (Content-Type: application/octet-stream)', { reason: 'UNSUPPORTED_MEDIA_TYPE' }),
      }),
    );
  };

  app.post('/v1/models/:name/versions', async (req, reply) => {
    const { name } = req.params as Params;
    const q = req.query as Query;
    const v = await upload(req, uploadHeader(name!, 0, q, parsePrecision(q['precision'])), 'createVersion');
    return reply.code(201).header('location', `/v1/models/${encodeURIComponent(v.modelName)}/versions/${v.version}`).send(versionJson(v));
  });

  app.put('/v1/models/:name/versions/:version/variants/:precision', async (req, reply) => {
    const { name, version, precision } = req.params as Params;
    const v = await upload(req, uploadHeader(name!, intParam(version, 'version', { min: 1 }), req.query as Query, parsePrecision(precision)), 'addVariant');
    return reply.code(201).send(versionJson(v));
  });

  app.get('/v1/models/:name/versions', async (req) => {
    const { name } = req.params as Params;
    const q = req.query as Query;
    const res = await rpc(guard, reg.listVersions.bind(reg), {
      modelName: name!,
      page: page(q),
      includeArchived: boolParam(q['include_archived'], 'include_archived'),
      tags: tagFilter(q),
      dataset: datasetFilter(q),
    }, req);
    return listVersionsJson(res);
  });

  app.get('/v1/models/:name/versions/:version', async (req) => {
    const { name, version } = req.params as Params;
    return versionJson(await rpc(guard, reg.getVersion.bind(reg), { modelName: name!, version: intParam(version, 'version', { min: 1 }) }, req));
  });

  app.patch('/v1/models/:name/versions/:version', async (req) => {
    const { name, version } = req.params as Params;
    const b = onlyFields(objectBody(req.body), ['description', 'tags', 'metrics']);
    const v = await rpc(guard, reg.updateVersion.bind(reg), {
      modelName: name!,
      version: intParam(version, 'version', { min: 1 }),
      description: optionalString(b['description'], 'description'),
      tags: stringMap(b['tags'], 'tags'),
      metrics: numberMap(b['metrics'], 'metrics'),
    }, req);
    return versionJson(v);
  });

  app.post('/v1/models/:name/versions/:version/archive', async (req) => {
    const { name, version } = req.params as Params;
    return versionJson(await rpc(guard, reg.archiveVersion.bind(reg), { modelName: name!, version: intParam(version, 'version', { min: 1 }) }, req));
  });

  app.delete('/v1/models/:name/versions/:version', async (req, reply) => {
    const { name, version } = req.params as Params;
    await rpc(guard, reg.deleteVersion.bind(reg), { modelName: name!, version: intParam(version, 'version', { min: 1 }) }, req);
    return reply.code(204).send();
  });

  registerArtifactDownload(app, up, config);

  // The answer is the event this move caused (the registry returns it).
  app.put('/v1/models/:name/aliases/:alias', async (req) => {
    const { name, alias } = req.params as Params;
    const b = onlyFields(objectBody(req.body), ['version']);
    if (b['version'] === undefined) throw errors.invalidArgument('version', 'is required');
    const ev = await rpc(guard, reg.setAlias.bind(reg), { modelName: name!, alias: alias!, version: jsonInt(b['version'], 'version', { min: 1 }) }, req);
    return aliasEventJson(ev);
  });

  app.delete('/v1/models/:name/aliases/:alias', async (req, reply) => {
    const { name, alias } = req.params as Params;
    await rpc(guard, reg.deleteAlias.bind(reg), { modelName: name!, alias: alias! }, req);
    return reply.code(204).send();
  });

  app.get('/v1/models/:name/alias-events', async (req) => {
    const { name } = req.params as Params;
    return listAliasEventsJson(await rpc(guard, reg.listAliasEvents.bind(reg), { modelName: name!, page: page(req.query as Query) }, req));
  });
}
