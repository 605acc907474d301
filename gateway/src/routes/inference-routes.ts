import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { common, oip } from '@l1g1/contracts';
import {
  dataTypeToOip,
  elementCount,
  elementSize,
  errors,
  isOipDatatype,
  jsonToRaw,
  L1g1Error,
  oipToDataType,
  rawToJson,
  type OipDatatype,
} from '@l1g1/kit';
import type { GatewayConfig } from '../config';
import { registerJsonParsers } from '../json-body';
import { parsePrecision, precisionName } from '../rest-json';
import type { Upstreams } from '../upstreams';
import { intParam, jsonInt, objectBody, optionalString, rpc, stringMap } from './common';

type Params = Record<string, string>;

/**
 * Output values in REST JSON. JSON has no NaN or infinities (JSON.stringify
 * would silently write `null`), so non-finite floats are answered as the
 * strings "NaN", "Infinity" and "-Infinity" — the one documented rule, the
 * spelling JavaScript, Python's json module and Jackson all read back.
 * Inputs must be finite numbers (400 naming the tensor and index).
 */
function jsonOutputData(datatype: OipDatatype, raw: Uint8Array): (number | boolean | string)[] {
  const data = rawToJson(datatype, raw);
  if (datatype !== 'FP32' && datatype !== 'FP64' && datatype !== 'FP16' && datatype !== 'BF16') return data;
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (!Number.isFinite(v)) data[i] = Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  }
  return data;
}

/**
 * An OIP version path segment: a version number (checked against the int32
 * it becomes in the registry) or an alias name, passed on as is.
 */
function oipVersion(value: string | undefined): string {
  if (value !== undefined && /^-?\d+$/.test(value)) return String(intParam(value, 'version', { min: 1 }));
  return value ?? '';
}

interface JsonTensor {
  name: string;
  datatype: OipDatatype;
  shape: number[];
  data?: unknown;
  parameters: Record<string, unknown>;
}

/** Validates one `{name, datatype, shape, data}` object of a request. */
function parseTensor(value: unknown, field: string): JsonTensor {
  const t = objectBody(value, field);
  const name = optionalString(t['name'], `${field}.name`);
  if (!name) throw errors.invalidArgument(`${field}.name`, 'tensor name is required');
  // Datatypes are spelled as the OIP spec spells them: "fp32" is not FP32.
  const dt = optionalString(t['datatype'], `${field}.datatype`);
  if (!dt || !isOipDatatype(dt)) throw errors.invalidArgument(`${field}.datatype`, `tensor "${name}" needs a datatype spelled as the OIP spec does (BOOL, INT8..INT64, UINT8..UINT64, FP16, FP32, FP64, BYTES), got ${JSON.stringify(dt ?? null)}`);
  const shape = t['shape'];
  if (!Array.isArray(shape) || shape.some((d) => typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0)) {
    throw errors.invalidArgument(`${field}.shape`, `tensor "${name}" needs a shape: an array of non-negative integers`);
  }
  return { name, datatype: dt, shape: shape as number[], data: t['data'], parameters: objectBody(t['parameters'], `${field}.parameters`) };
}

/** Reads a stream body up to `limit` bytes (413 beyond). */
async function readBody(body: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of body) {
    n += (chunk as Buffer).length;
    if (n > limit) throw new L1g1Error('INVALID_ARGUMENT', `request body exceeds ${limit} bytes`, { reason: 'BODY_TOO_LARGE', field: 'body' });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** OIP REST body: plain JSON, or the binary-data extension (JSON header + raw tensors). */
async function oipRequestBody(req: FastifyRequest, limit: number): Promise<{ json: Record<string, unknown>; binary: Buffer | undefined }> {
  const headerLen = req.headers['inference-header-content-length'];
  if (headerLen === undefined) return { json: objectBody(req.body), binary: undefined };
  const len = intParam(headerLen, 'Inference-Header-Content-Length');
  const body = req.body as Readable | Buffer | undefined;
  const raw = Buffer.isBuffer(body) ? body : body && typeof body.on === 'function' ? await readBody(body, limit) : Buffer.alloc(0);
  if (len > raw.length) throw errors.invalidArgument('Inference-Header-Content-Length', `is ${len} but the body has ${raw.length} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(raw.subarray(0, len).toString('utf8'));
  } catch {
    throw errors.invalidArgument('body', 'the JSON header of the binary request is not valid JSON', { reason: 'INVALID_JSON' });
  }
  return { json: objectBody(json), binary: raw.subarray(len) };
}

/** Builds the gRPC OIP request (raw tensor bytes) from a REST body. */
export function toModelInferRequest(name: string, version: string, json: Record<string, unknown>, binary: Buffer | undefined): oip.ModelInferRequest {
  const inputsJson = json['inputs'];
  if (!Array.isArray(inputsJson) || inputsJson.length === 0) throw errors.invalidArgument('inputs', 'must be a non-empty array of tensors');
  let offset = 0;
  const inputs: oip.ModelInferRequest_InferInputTensor[] = [];
  const raws: Buffer[] = [];
  inputsJson.forEach((value, i) => {
    const field = `inputs[${i}]`;
    const t = parseTensor(value, field);
    const binSize = t.parameters['binary_data_size'];
    let raw: Buffer;
    if (binSize !== undefined) {
      if (!binary) throw errors.invalidArgument(`${field}.parameters.binary_data_size`, 'binary data needs the Inference-Header-Content-Length header');
      const size = jsonInt(binSize, `${field}.parameters.binary_data_size`);
      if (offset + size > binary.length) throw errors.invalidArgument(`${field}.parameters.binary_data_size`, `tensor "${t.name}" runs past the end of the binary data`);
      raw = binary.subarray(offset, offset + size);
      offset += size;
      const per = elementSize(t.datatype);
      if (per > 0 && raw.length !== elementCount(t.shape, `${field}.shape`) * per) {
        throw errors.invalidArgument(`${field}.parameters.binary_data_size`, `tensor "${t.name}" has ${raw.length} bytes, shape [${t.shape.join(', ')}] of ${t.datatype} needs ${elementCount(t.shape) * per}`);
      }
    } else {
      if (t.data === undefined) throw errors.invalidArgument(`${field}.data`, `tensor "${t.name}" has no data`);
      raw = jsonToRaw(t.datatype, t.shape, t.data, field);
    }
    inputs.push({ name: t.name, datatype: t.datatype, shape: t.shape, parameters: {}, contents: undefined });
    raws.push(raw);
  });
  const parameters: Record<string, oip.InferParameter> = {};
  const params = objectBody(json['parameters'], 'parameters');
  if (params['precision'] !== undefined) parameters['precision'] = { parameterChoice: { $case: 'stringParam', value: String(params['precision']) } };
  // Using a variant the evaluator marked not usable, on purpose (the inference service checks the type).
  const allow = params['allow_unusable_variant'];
  if (allow !== undefined) {
    if (typeof allow !== 'boolean') throw errors.invalidArgument('parameters.allow_unusable_variant', 'must be true or false');
    parameters['allow_unusable_variant'] = { parameterChoice: { $case: 'boolParam', value: allow } };
  }
  const outputsJson = json['outputs'];
  if (outputsJson !== undefined && !Array.isArray(outputsJson)) throw errors.invalidArgument('outputs', 'must be an array');
  const outputs = (outputsJson ?? []).map((o: unknown, i: number) => ({
    name: optionalString(objectBody(o, `outputs[${i}]`)['name'], `outputs[${i}].name`) ?? '',
    parameters: {},
  }));
  return {
    modelName: name,
    modelVersion: version,
    id: optionalString(json['id'], 'id') ?? '',
    parameters,
    inputs,
    outputs,
    rawInputContents: raws,
  };
}

function wantsBinaryOutput(json: Record<string, unknown>, outputName: string): boolean {
  const params = json['parameters'] as Record<string, unknown> | undefined;
  if (params?.['binary_data_output'] === true) return true;
  const outs = Array.isArray(json['outputs']) ? (json['outputs'] as Record<string, unknown>[]) : [];
  const o = outs.find((x) => x?.['name'] === outputName);
  return (o?.['parameters'] as Record<string, unknown> | undefined)?.['binary_data'] === true;
}

function sendOipResponse(reply: FastifyReply, res: oip.ModelInferResponse, json: Record<string, unknown>): FastifyReply {
  const binaries: Buffer[] = [];
  const parameters: Record<string, unknown> = {};
  for (const [k, p] of Object.entries(res.parameters)) if (p.parameterChoice) parameters[k] = p.parameterChoice.value;
  const outputs = res.outputs.map((o, i) => {
    const raw = Buffer.from(res.rawOutputContents[i] ?? new Uint8Array());
    const datatype = o.datatype as OipDatatype;
    if (wantsBinaryOutput(json, o.name)) {
      binaries.push(raw);
      return { name: o.name, datatype, shape: o.shape, parameters: { binary_data_size: raw.length } };
    }
    return { name: o.name, datatype, shape: o.shape, data: jsonOutputData(datatype, raw) };
  });
  const body = { model_name: res.modelName, model_version: res.modelVersion, ...(res.id ? { id: res.id } : {}), parameters, outputs };
  if (binaries.length === 0) return reply.type('application/json').send(body);
  const header = Buffer.from(JSON.stringify(body), 'utf8');
  return reply
    .type('application/octet-stream')
    .header('inference-header-content-length', String(header.length))
    .send(Buffer.concat([header, ...binaries]));
}

/** `name`, `name@alias` -> model ref for the L1G1 predict route. */
function predictRef(nameParam: string, body: Record<string, unknown>): common.ModelRef {
  const [name, alias] = nameParam.split('@', 2) as [string, string | undefined];
  if (body['version'] !== undefined) return { name, selector: { $case: 'version', value: intParam(body['version'], 'version', { min: 1 }) } };
  const a = alias ?? optionalString(body['alias'], 'alias');
  return { name, selector: a ? { $case: 'alias', value: a } : undefined };
}

export function registerInferenceRoutes(app: FastifyInstance, up: Upstreams, config: GatewayConfig): void {
  app.register(async (scope) => {
    // Inference bodies are turned field by field into typed arrays and never
    // merged into objects: no prototype-poisoning scan of 80 KB tensors.
    registerJsonParsers(scope, { bodyLimit: config.maxBodyBytes, rejectPrototypeKeys: false });

    scope.post('/v1/models/:name(^[^/:]+)::predict', async (req) => {
      const { name } = req.params as Params;
      const body = objectBody(req.body);
      const inputsJson = body['inputs'];
      if (!Array.isArray(inputsJson) || inputsJson.length === 0) throw errors.invalidArgument('inputs', 'must be a non-empty array of tensors');
      const inputs = inputsJson.map((v, i) => {
        const t = parseTensor(v, `inputs[${i}]`);
        if (t.data === undefined) throw errors.invalidArgument(`inputs[${i}].data`, `tensor "${t.name}" has no data`);
        return { name: t.name, datatype: oipToDataType(t.datatype)!, shape: t.shape, rawData: jsonToRaw(t.datatype, t.shape, t.data, `inputs[${i}]`) };
      });
      const outputs = body['outputs'];
      if (outputs !== undefined && (!Array.isArray(outputs) || outputs.some((o) => typeof o !== 'string'))) {
        throw errors.invalidArgument('outputs', 'must be an array of output names');
      }
      const res = await rpc(up.guard.inference, up.inference.predict.bind(up.inference), {
        model: predictRef(name!, body),
        precision: parsePrecision(body['precision']),
        inputs,
        outputNames: (outputs as string[] | undefined) ?? [],
        metadata: stringMap(body['metadata'], 'metadata'),
        requestId: optionalString(body['request_id'], 'request_id') ?? '',
      }, req);
      return {
        model_name: res.modelName,
        model_version: res.modelVersion,
        precision: precisionName(res.precision),
        outputs: res.outputs.map((o) => {
          const datatype = dataTypeToOip(o.datatype)!;
          return { name: o.name, datatype, shape: o.shape, data: jsonOutputData(datatype, o.rawData) };
        }),
        timing: { queue_us: Math.round(res.timing?.queueUs ?? 0), compute_us: Math.round(res.timing?.computeUs ?? 0), batch_size: res.timing?.batchSize ?? 0 },
        metadata: res.metadata,
        ...(res.requestId ? { request_id: res.requestId } : {}),
      };
    });

    // --- KServe Open Inference Protocol v2, REST ---------------------------
    // Errors under /v2 answer `{"error": "<message>"}` (the app's error handler picks the shape by URL).

    const infer = async (req: FastifyRequest, reply: FastifyReply, version: string) => {
      const { name } = req.params as Params;
      const { json, binary } = await oipRequestBody(req, config.maxBodyBytes);
      const request = toModelInferRequest(name!, version, json, binary);
      const res = await rpc(up.guard.inference, up.oip.modelInfer.bind(up.oip), request, req);
      return sendOipResponse(reply, res, json);
    };
    scope.post('/v2/models/:name/infer', (req, reply) => infer(req, reply, ''));
    scope.post('/v2/models/:name/versions/:version/infer', (req, reply) => infer(req, reply, oipVersion((req.params as Params)['version'])));

    scope.get('/v2/health/live', async () => ({ live: true }));
    scope.get('/v2/health/ready', async (req, reply) => {
      const res = await rpc(up.guard.inference, up.oip.serverReady.bind(up.oip), {}, req).catch(() => ({ ready: false }));
      return reply.code(res.ready ? 200 : 503).send({ ready: res.ready });
    });
    scope.get('/v2', async (req) => rpc(up.guard.inference, up.oip.serverMetadata.bind(up.oip), {}, req));
    const modelMeta = async (req: FastifyRequest, version: string) => {
      const { name } = req.params as Params;
      const m = await rpc(up.guard.inference, up.oip.modelMetadata.bind(up.oip), { name: name!, version }, req);
      return { name: m.name, versions: m.versions, platform: m.platform, inputs: m.inputs, outputs: m.outputs };
    };
    scope.get('/v2/models/:name', (req) => modelMeta(req, ''));
    scope.get('/v2/models/:name/versions/:version', (req) => modelMeta(req, oipVersion((req.params as Params)['version'])));
    const modelReady = async (req: FastifyRequest, reply: FastifyReply, version: string) => {
      const { name } = req.params as Params;
      // ModelReady answers NOT_FOUND (404) for an unknown model or version; a known one that is not
      // loaded is 503 with `ready: false`, as KServe's model server answers.
      const r = await rpc(up.guard.inference, up.oip.modelReady.bind(up.oip), { name: name!, version }, req);
      return reply.code(r.ready ? 200 : 503).send({ name, ready: r.ready });
    };
    scope.get('/v2/models/:name/ready', (req, reply) => modelReady(req, reply, ''));
    scope.get('/v2/models/:name/versions/:version/ready', (req, reply) => modelReady(req, reply, oipVersion((req.params as Params)['version'])));
  });
}
