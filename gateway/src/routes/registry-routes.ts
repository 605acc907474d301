import type { ClientWritableStream } from '@grpc/grpc-js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { common, registry } from '@l1g1/contracts';
import { errors, fromServiceError, L1g1Error } from '@l1g1/kit';
import { deadlineMsFor } from '../admission/route-policy';
import type { GatewayConfig } from '../config';
import type { Upstreams } from '../upstreams';
import { forwardMetadata, intParam, numberMap, objectBody, optionalString, rpc, stringMap } from './common';

const PRECISION: Record<string, common.Precision> = {
  fp32: common.Precision.PRECISION_FP32,
  fp16: common.Precision.PRECISION_FP16,
  int8: common.Precision.PRECISION_INT8,
};

export function parsePrecision(value: unknown, field = 'precision'): common.Precision {
  if (value === undefined || value === '') return common.Precision.PRECISION_FP32;
  const p = PRECISION[String(value).toLowerCase()];
  if (p === undefined) throw errors.invalidArgument(field, 'must be one of fp32, fp16, int8');
  return p;
}

type Params = Record<string, string>;
type Query = Record<string, string | undefined>;

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

/** Upload header from query parameters (the body is the raw artifact). */
function uploadHeader(name: string, version: number, q: Query, precision: common.Precision): registry.UploadHeader {
  const lineage = jsonParam(q['lineage'], 'lineage');
  if (lineage !== undefined) objectBody(lineage, 'lineage');
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
    lineage: lineage === undefined ? undefined : registry.Lineage.fromJSON(lineage),
    createModel: q['create_model'] === 'true' || q['create_model'] === '1',
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
    return reply.code(201).send(registry.Model.toJSON(model));
  });

  app.get('/v1/models', async (req) => {
    const q = req.query as Query;
    const res = await rpc(guard, reg.listModels.bind(reg), { page: page(q), query: q['query'] ?? '', tags: tagFilter(q) }, req);
    return registry.ListModelsResponse.toJSON(res);
  });

  app.get('/v1/models/:name', async (req) => {
    const { name } = req.params as Params;
    return registry.Model.toJSON(await rpc(guard, reg.getModel.bind(reg), { name: name! }, req));
  });

  app.patch('/v1/models/:name', async (req) => {
    const { name } = req.params as Params;
    const b = objectBody(req.body);
    const model = await rpc(guard, reg.updateModel.bind(reg), {
      name: name!,
      description: optionalString(b['description'], 'description'),
      task: optionalString(b['task'], 'task'),
      tags: stringMap(b['tags'], 'tags'),
    }, req);
    return registry.Model.toJSON(model);
  });

  app.delete('/v1/models/:name', async (req) => {
    const { name } = req.params as Params;
    return registry.DeleteModelResponse.toJSON(await rpc(guard, reg.deleteModel.bind(reg), { name: name! }, req));
  });

  // Artifact uploads: the HTTP body streams through to the registry in
  // chunks; nothing is buffered whole, and a cut upload leaves nothing.
  const upload = async (req: FastifyRequest, header: registry.UploadHeader, method: 'createVersion' | 'addVariant') => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > config.maxUploadBytes) {
      throw new L1g1Error('INVALID_ARGUMENT', `artifact of ${declared} bytes exceeds the upload limit of ${config.maxUploadBytes}`, { reason: 'BODY_TOO_LARGE', field: 'body' });
    }
    if (declared > 0) header.expectedSizeBytes = declared;
    const body = req.body as Readable | undefined;
    if (!body || typeof (body as Readable).on !== 'function') {
      throw errors.invalidArgument('body', 'send the artifact as the raw request body (Content-Type: application/octet-stream)', { reason: 'UNSUPPORTED_MEDIA_TYPE' });
    }
    return guard.call(
      () =>
        new Promise<registry.ModelVersion>((resolve, reject) => {
          let settled = false;
          const finish = (err: unknown, v?: registry.ModelVersion) => {
            if (settled) return;
            settled = true;
            if (err) reject(err);
            else resolve(v!);
          };
          const call: ClientWritableStream<registry.UploadArtifactRequest> = reg[method](
            forwardMetadata(req),
            { deadline: Date.now() + (deadlineMsFor(req) ?? config.uploadTimeoutMs) },
            (err, v) => (err ? finish(fromServiceError(err)) : finish(null, v)),
          );
          call.write({ payload: { $case: 'header', value: header } });
          let received = 0;
          body.on('data', (chunk: Buffer) => {
            received += chunk.length;
            if (received > config.maxUploadBytes) {
              call.cancel();
              body.destroy();
              finish(new L1g1Error('INVALID_ARGUMENT', `artifact exceeds the upload limit of ${config.maxUploadBytes} bytes`, { reason: 'BODY_TOO_LARGE', field: 'body' }));
              return;
            }
            if (!call.write({ payload: { $case: 'chunk', value: chunk } })) {
              body.pause();
              call.once('drain', () => body.resume());
            }
          });
          body.on('end', () => call.end());
          body.on('error', (err) => {
            // Client went away mid-upload: cancel, so the registry discards it.
            call.cancel();
            finish(errors.cancelled(`upload interrupted: ${err.message}`));
          });
          body.on('aborted', () => call.cancel());
        }),
    );
  };

  app.post('/v1/models/:name/versions', async (req, reply) => {
    const { name } = req.params as Params;
    const q = req.query as Query;
    const v = await upload(req, uploadHeader(name!, 0, q, parsePrecision(q['precision'])), 'createVersion');
    return reply.code(201).header('location', `/v1/models/${v.modelName}/versions/${v.version}`).send(registry.ModelVersion.toJSON(v));
  });

  app.put('/v1/models/:name/versions/:version/variants/:precision', async (req, reply) => {
    const { name, version, precision } = req.params as Params;
    const v = await upload(req, uploadHeader(name!, intParam(version, 'version', { min: 1 }), req.query as Query, parsePrecision(precision)), 'addVariant');
    return reply.code(201).send(registry.ModelVersion.toJSON(v));
  });

  app.get('/v1/models/:name/versions', async (req) => {
    const { name } = req.params as Params;
    const q = req.query as Query;
    const res = await rpc(guard, reg.listVersions.bind(reg), {
      modelName: name!,
      page: page(q),
      includeArchived: q['include_archived'] === 'true',
      tags: tagFilter(q),
      dataset: q['dataset'] ? { name: q['dataset'], snapshot: intParam(q['dataset_snapshot'], 'dataset_snapshot', { fallback: 0 }) } : undefined,
    }, req);
    return registry.ListVersionsResponse.toJSON(res);
  });

  app.get('/v1/models/:name/versions/:version', async (req) => {
    const { name, version } = req.params as Params;
    const v = await rpc(guard, reg.getVersion.bind(reg), { modelName: name!, version: intParam(version, 'version', { min: 1 }) }, req);
    return registry.ModelVersion.toJSON(v);
  });

  app.patch('/v1/models/:name/versions/:version', async (req) => {
    const { name, version } = req.params as Params;
    const b = objectBody(req.body);
    const v = await rpc(guard, reg.updateVersion.bind(reg), {
      modelName: name!,
      version: intParam(version, 'version', { min: 1 }),
      description: optionalString(b['description'], 'description'),
      tags: stringMap(b['tags'], 'tags'),
      metrics: numberMap(b['metrics'], 'metrics'),
    }, req);
    return registry.ModelVersion.toJSON(v);
  });

  app.post('/v1/models/:name/versions/:version/archive', async (req) => {
    const { name, version } = req.params as Params;
    const v = await rpc(guard, reg.archiveVersion.bind(reg), { modelName: name!, version: intParam(version, 'version', { min: 1 }) }, req);
    return registry.ModelVersion.toJSON(v);
  });

  app.delete('/v1/models/:name/versions/:version', async (req, reply) => {
    const { name, version } = req.params as Params;
    await rpc(guard, reg.deleteVersion.bind(reg), { modelName: name!, version: intParam(version, 'version', { min: 1 }) }, req);
    return reply.code(204).send();
  });

  app.get('/v1/models/:name/versions/:version/artifact', async (req, reply) => {
    const { name, version } = req.params as Params;
    const q = req.query as Query;
    const request = { modelName: name!, version: intParam(version, 'version', { min: 1 }), precision: parsePrecision(q['precision']), chunkSize: 0 };
    // Wait for the first message (the artifact info) so that NOT_FOUND is a
    // proper 404, then stream the chunks straight into the response.
    const stream = reg.downloadArtifact(request, forwardMetadata(req), { deadline: Date.now() + (deadlineMsFor(req) ?? config.uploadTimeoutMs) });
    const info = await guard.call(
      () =>
        new Promise<registry.Artifact>((resolve, reject) => {
          stream.once('data', (m: registry.DownloadArtifactResponse) => {
            if (m.payload?.$case === 'info') resolve(m.payload.value);
            else reject(errors.internal('registry sent a chunk before the artifact info'));
          });
          stream.once('error', (err) => reject(fromServiceError(err as never)));
        }),
    );
    stream.pause();
    reply.raw.on('close', () => stream.cancel());
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': String(info.sizeBytes),
      etag: `"${info.sha256}"`,
      'x-l1g1-sha256': info.sha256,
      'content-disposition': `attachment; filename="${name}-v${version}.${info.format || 'onnx'}"`,
    });
    stream.on('data', (m: registry.DownloadArtifactResponse) => {
      if (m.payload?.$case !== 'chunk') return;
      if (!reply.raw.write(m.payload.value)) {
        stream.pause();
        reply.raw.once('drain', () => stream.resume());
      }
    });
    stream.on('end', () => reply.raw.end());
    stream.on('error', () => reply.raw.destroy());
    stream.resume();
  });

  app.put('/v1/models/:name/aliases/:alias', async (req) => {
    const { name, alias } = req.params as Params;
    const b = objectBody(req.body);
    const ev = await rpc(guard, reg.setAlias.bind(reg), { modelName: name!, alias: alias!, version: intParam(b['version'], 'version', { min: 1 }) }, req);
    return registry.AliasEvent.toJSON(ev);
  });

  app.delete('/v1/models/:name/aliases/:alias', async (req) => {
    const { name, alias } = req.params as Params;
    return registry.AliasEvent.toJSON(await rpc(guard, reg.deleteAlias.bind(reg), { modelName: name!, alias: alias! }, req));
  });

  app.get('/v1/models/:name/alias-events', async (req) => {
    const { name } = req.params as Params;
    const res = await rpc(guard, reg.listAliasEvents.bind(reg), { modelName: name!, page: page(req.query as Query) }, req);
    return registry.ListAliasEventsResponse.toJSON(res);
  });
}
