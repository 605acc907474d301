import type { SendFn } from '../harness';
import { RequestFailure } from '../harness';
import { checkStatus, type HttpClient } from './http-client';
import { ServerTimingStats } from './server-timing';
import { rawBytes, type Fp32Input } from './tensor-input';

export type RestTargetKind = 'rest-json' | 'rest-oip-json' | 'rest-oip-binary';

export interface RestTarget {
  send: SendFn;
  /** Request body size in bytes. */
  readonly bodyBytes: number;
  readonly timing: ServerTimingStats;
}

/**
 * Bodies are built once: a real client pays for its own JSON.stringify, but
 * here the client shares the CPUs with the servers under test, and the
 * figure wanted is what the suite can serve.
 */
function jsonTensor(input: Fp32Input): string {
  return `{"name":${JSON.stringify(input.name)},"datatype":"FP32","shape":${JSON.stringify(input.shape)},"data":${JSON.stringify(Array.from(input.values))}}`;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** Reads timing out of an OIP response's `parameters` (queue_us, compute_us, batch_size). */
function oipTiming(timing: ServerTimingStats, json: unknown): void {
  const p = (json as { parameters?: Record<string, unknown> } | undefined)?.parameters;
  if (p && p['batch_size'] !== undefined) timing.add(num(p['batch_size']), num(p['queue_us']), num(p['compute_us']));
}

function parseJson(buf: Buffer): unknown {
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (err) {
    throw new RequestFailure('BAD_RESPONSE', 'response is not JSON', { cause: err });
  }
}

/**
 * REST targets through the gateway:
 * - `rest-json`: `POST /v1/models/{name}:predict`, tensor as a JSON array;
 * - `rest-oip-json`: `POST /v2/models/{name}/infer`, OIP JSON;
 * - `rest-oip-binary`: the same route with the binary-data extension
 *   (JSON header, then raw bytes; binary output asked for).
 */
export function createRestTarget(kind: RestTargetKind, client: HttpClient, model: string, input: Fp32Input): RestTarget {
  const timing = new ServerTimingStats();
  const name = encodeURIComponent(model);
  if (kind === 'rest-json' || kind === 'rest-oip-json') {
    const body = Buffer.from(`{"inputs":[${jsonTensor(input)}]}`, 'utf8');
    const path = kind === 'rest-json' ? `/v1/models/${name}:predict` : `/v2/models/${name}/infer`;
    const headers = { 'content-type': 'application/json' };
    return {
      bodyBytes: body.length,
      timing,
      async send() {
        const res = await client.request('POST', path, body, headers);
        checkStatus(res);
        const json = parseJson(res.body) as { timing?: { batch_size?: unknown; queue_us?: unknown; compute_us?: unknown } };
        if (kind === 'rest-json') {
          if (json.timing) timing.add(num(json.timing.batch_size), num(json.timing.queue_us), num(json.timing.compute_us));
        } else oipTiming(timing, json);
      },
    };
  }
  const raw = rawBytes(input);
  const header = Buffer.from(
    JSON.stringify({
      inputs: [{ name: input.name, datatype: 'FP32', shape: input.shape, parameters: { binary_data_size: raw.length } }],
      parameters: { binary_data_output: true },
    }),
    'utf8',
  );
  const body = Buffer.concat([header, raw]);
  const headers = { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) };
  return {
    bodyBytes: body.length,
    timing,
    async send() {
      const res = await client.request('POST', `/v2/models/${name}/infer`, body, headers);
      checkStatus(res);
      const len = Number(res.headers['inference-header-content-length']);
      if (!Number.isInteger(len) || len > res.body.length) throw new RequestFailure('BAD_RESPONSE', 'binary response without a valid Inference-Header-Content-Length');
      oipTiming(timing, parseJson(res.body.subarray(0, len)));
    },
  };
}
