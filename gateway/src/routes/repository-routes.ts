import type { FastifyInstance } from 'fastify';
import { common, inference, precisionFromName, precisionName } from '@l1g1/contracts';
import { errors, modelAllowed } from '@l1g1/kit';
import type { GatewayConfig } from '../config';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from '../json-body';
import type { Upstreams } from '../upstreams';
import { objectBody, optionalString, rpc } from './common';

type Params = Record<string, string>;

function toJson(m: inference.RepositoryModel | undefined) {
  return {
    name: m?.name ?? '',
    version: m?.version ?? '',
    state: m?.state ?? 'UNAVAILABLE',
    reason: m?.reason ?? '',
    precision: precisionName(m?.precision ?? common.Precision.PRECISION_FP32) ?? 'fp32',
  };
}

/** `parameters.version` (a number or an alias) and `parameters.precision` of a load request. */
function loadParameters(body: unknown): { version: string; precision: common.Precision } {
  const params = objectBody(objectBody(body)['parameters'], 'parameters');
  for (const key of Object.keys(params)) {
    if (key !== 'version' && key !== 'precision') throw errors.invalidArgument(`parameters.${key}`, 'is not supported (only "version" and "precision")');
  }
  const version = params['version'];
  if (version !== undefined && typeof version !== 'string' && !(typeof version === 'number' && Number.isSafeInteger(version) && version > 0)) {
    throw errors.invalidArgument('parameters.version', 'must be a version number or an alias name');
  }
  const p = optionalString(params['precision'], 'parameters.precision');
  const precision = p === undefined ? common.Precision.PRECISION_FP32 : precisionFromName(p);
  if (precision === undefined) throw errors.invalidArgument('parameters.precision', 'must be one of "fp32", "fp16", "int8"');
  return { version: version === undefined ? '' : String(version), precision };
}

/**
 * The OIP / Triton model_repository extension over REST:
 * `POST /v2/repository/index` -> `[{name, version, state, reason}]`,
 * `POST /v2/repository/models/{name}/load` and `.../unload`, mapped onto the
 * inference service's model manager. Errors are `{"error": "..."}` as on
 * every `/v2` answer.
 */
export function registerRepositoryRoutes(app: FastifyInstance, up: Upstreams, config: GatewayConfig): void {
  app.register(async (scope) => {
    // Triton clients POST these with an empty body, with or without a JSON content type.
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: Math.min(config.maxBodyBytes, 64 * 1024) }, (_req, body, done) => {
      const text = (body as string).trim();
      if (!text) return done(null, {});
      if (exceedsJsonDepth(text, MAX_JSON_DEPTH)) return done(errors.invalidArgument('body', `nests deeper than ${MAX_JSON_DEPTH} levels`, { reason: 'JSON_TOO_DEEP' }), undefined);
      try {
        done(null, JSON.parse(text));
      } catch {
        done(errors.invalidArgument('body', 'invalid JSON', { reason: 'INVALID_JSON' }), undefined);
      }
    });
    // Errors: the app's handler answers `{"error": "..."}` under /v2, sanitised, with Retry-After.

    // Listing what is loaded is a read, though Triton's API makes it a POST.
    scope.post('/v2/repository/index', { config: { scope: 'read' } }, async (req) => {
      const ready = objectBody(req.body)['ready'];
      if (ready !== undefined && typeof ready !== 'boolean') throw errors.invalidArgument('ready', 'must be true or false');
      const res = await rpc(up.guard.inference, up.inference.repositoryIndex.bind(up.inference), { ready: ready === true }, req);
      // A key limited to model patterns sees only its models.
      return res.models.filter((m) => modelAllowed(req.principal, m.name)).map(toJson);
    });
    scope.post('/v2/repository/models/:name/load', async (req) => {
      const { name } = req.params as Params;
      const { version, precision } = loadParameters(req.body);
      const res = await rpc(up.guard.inference, up.inference.repositoryModelLoad.bind(up.inference), { modelName: name!, version, precision }, req);
      return toJson(res.model);
    });
    scope.post('/v2/repository/models/:name/unload', async (req) => {
      const { name } = req.params as Params;
      // Unload takes every loaded version of the model: a version or precision asked for would be ignored, so it is refused.
      const params = objectBody(objectBody(req.body)['parameters'], 'parameters');
      const extra = Object.keys(params)[0];
      if (extra !== undefined) throw errors.invalidArgument(`parameters.${extra}`, 'unload takes no parameters: it unloads every loaded version of the model');
      const res = await rpc(up.guard.inference, up.inference.repositoryModelUnload.bind(up.inference), { modelName: name! }, req);
      return { name, unloaded: res.unloaded };
    });
  });
}
