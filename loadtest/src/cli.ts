/**
 * One scenario against a running suite (e.g. `npm start`), printed as one
 * JSON line:
 *
 *   node loadtest/dist/cli.js --target rest-json --url http://127.0.0.1:8080 \
 *     --model demo --concurrency 16 --duration-s 5 [--rate 500] [--max-requests N]
 *
 * The input is random FP32 with the model's input shape, read from
 * `GET /v2/models/{model}` (or OIP gRPC ModelMetadata for gRPC targets
 * without --url); -1 becomes --rows for the first dimension, 1 elsewhere.
 */
import { parseArgs } from 'node:util';
import { oip } from '@l1g1/contracts';
import { createGrpcClient, unary } from '@l1g1/kit';
import { runScenario, type Scenario, type SendFn } from './harness';
import { createGrpcOipTarget, createGrpcPredictTarget } from './targets/grpc';
import { checkStatus, createHttpClient, type HttpClientKind } from './targets/http-client';
import { createRestTarget, type RestTargetKind } from './targets/rest';
import type { ServerTimingStats } from './targets/server-timing';
import { concreteShape, randomFp32Input, rowsOf, type Fp32Input } from './targets/tensor-input';

const TARGETS = ['rest-json', 'rest-oip-json', 'rest-oip-binary', 'grpc-predict', 'grpc-oip'] as const;
type TargetKind = (typeof TARGETS)[number];

const USAGE = `usage: node loadtest/dist/cli.js --target <${TARGETS.join('|')}> --model <name>
  [--url http://127.0.0.1:8080]   gateway (REST targets; model metadata)
  [--grpc 127.0.0.1:50052]        inference service (gRPC targets)
  [--concurrency 16]              closed loop: workers sending back to back
  [--rate <req/s>]                open loop instead: fixed arrival rate
  [--max-outstanding 1024]        open loop: cap on requests in flight
  [--duration-s 10] [--warmup-s 1] [--max-requests 1000000]
  [--rows 1]                      rows per request (the dynamic dimension)
  [--http-client node-http|fetch] [--channels 1]`;

class UsageError extends Error {}

interface CliOptions {
  target: TargetKind;
  model: string;
  url: string | undefined;
  grpc: string;
  concurrency: number;
  rate: number | undefined;
  maxOutstanding: number;
  durationS: number;
  warmupS: number;
  maxRequests: number;
  rows: number;
  httpClient: HttpClientKind;
  channels: number;
}

function parseOptions(argv: string[]): CliOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      target: { type: 'string' },
      model: { type: 'string' },
      url: { type: 'string' },
      grpc: { type: 'string', default: '127.0.0.1:50052' },
      concurrency: { type: 'string', default: '16' },
      rate: { type: 'string' },
      'max-outstanding': { type: 'string', default: '1024' },
      'duration-s': { type: 'string', default: '10' },
      'warmup-s': { type: 'string', default: '1' },
      'max-requests': { type: 'string', default: '1000000' },
      rows: { type: 'string', default: '1' },
      'http-client': { type: 'string', default: 'node-http' },
      channels: { type: 'string', default: '1' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const target = values.target as TargetKind | undefined;
  if (!target || !TARGETS.includes(target)) throw new UsageError(`--target must be one of ${TARGETS.join(', ')}`);
  if (!values.model) throw new UsageError('--model is required');
  const num = (name: keyof typeof values, { integer = false, min = 0 } = {}): number => {
    const raw = values[name];
    const n = Number(raw);
    if (typeof raw !== 'string' || !Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
      throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got "${String(raw)}"`);
    }
    return n;
  };
  const httpClient = values['http-client'];
  if (httpClient !== 'node-http' && httpClient !== 'fetch') throw new UsageError('--http-client must be node-http or fetch');
  return {
    target,
    model: values.model,
    // REST targets default to the gateway `npm start` runs.
    url: (values.url ?? (target.startsWith('rest-') ? 'http://127.0.0.1:8080' : undefined))?.replace(/\/$/, ''),
    grpc: values.grpc,
    concurrency: num('concurrency', { integer: true, min: 1 }),
    rate: values.rate === undefined ? undefined : num('rate', { min: 0.001 }),
    maxOutstanding: num('max-outstanding', { integer: true, min: 1 }),
    durationS: num('duration-s', { min: 0.001 }),
    warmupS: num('warmup-s'),
    maxRequests: num('max-requests', { integer: true, min: 1 }),
    rows: num('rows', { integer: true, min: 1 }),
    httpClient,
    channels: num('channels', { integer: true, min: 1 }),
  };
}

interface InputSpec {
  name: string;
  datatype: string;
  shape: number[];
}

/** The model's inputs: from the gateway's OIP REST metadata, else OIP gRPC. */
async function modelInputs(opts: CliOptions): Promise<InputSpec[]> {
  if (opts.url) {
    const client = createHttpClient('node-http', { baseUrl: opts.url, maxSockets: 1, timeoutMs: 10_000 });
    try {
      const res = await client.request('GET', `/v2/models/${encodeURIComponent(opts.model)}`);
      checkStatus(res);
      return (JSON.parse(res.body.toString('utf8')) as { inputs: InputSpec[] }).inputs;
    } finally {
      client.close();
    }
  }
  const client = createGrpcClient(oip.GRPCInferenceServiceClient, opts.grpc, { defaultDeadlineMs: 10_000 });
  try {
    return (await unary(client.modelMetadata.bind(client), { name: opts.model, version: '' })).inputs;
  } finally {
    client.close();
  }
}

async function buildInput(opts: CliOptions): Promise<Fp32Input> {
  const inputs = await modelInputs(opts);
  if (inputs.length !== 1) throw new UsageError(`model "${opts.model}" has ${inputs.length} inputs; this CLI drives single-input models`);
  const spec = inputs[0]!;
  if (spec.datatype !== 'FP32') throw new UsageError(`model "${opts.model}" takes ${spec.datatype}; this CLI sends FP32`);
  return randomFp32Input(spec.name, concreteShape(spec.shape.map(Number), opts.rows));
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const input = await buildInput(opts);
  let send: SendFn;
  let timing: ServerTimingStats;
  let close: () => void;
  let bodyBytes: number | undefined;
  if (opts.target === 'grpc-predict' || opts.target === 'grpc-oip') {
    const t = (opts.target === 'grpc-predict' ? createGrpcPredictTarget : createGrpcOipTarget)({ address: opts.grpc, model: opts.model, input, channels: opts.channels });
    ({ send, timing } = t);
    close = () => t.close();
  } else {
    const sockets = opts.rate === undefined ? opts.concurrency : opts.maxOutstanding;
    const client = createHttpClient(opts.httpClient, { baseUrl: opts.url!, maxSockets: sockets });
    const t = createRestTarget(opts.target as RestTargetKind, client, opts.model, input);
    ({ send, timing } = t);
    bodyBytes = t.bodyBytes;
    close = () => client.close();
  }
  const base = { scenario: opts.target, maxRequests: opts.maxRequests, durationS: opts.durationS, warmupS: opts.warmupS, rowsPerRequest: rowsOf(input) };
  const scenario: Scenario =
    opts.rate === undefined
      ? { ...base, mode: 'closed', concurrency: opts.concurrency }
      : { ...base, mode: 'open', rateRps: opts.rate, maxOutstanding: opts.maxOutstanding };
  const reset = setTimeout(() => timing.reset(), opts.warmupS * 1000);
  const result = await runScenario(scenario, send);
  clearTimeout(reset);
  close();
  console.log(
    JSON.stringify({
      bench: 'cli',
      model: opts.model,
      input_shape: input.shape,
      ...(bodyBytes === undefined ? {} : { body_bytes: bodyBytes, http_client: opts.httpClient }),
      ...result,
      server: timing.summary(),
    }),
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    // parseArgs rejects unknown or malformed flags with ERR_PARSE_ARGS_* codes.
    const usage = err instanceof UsageError || String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
    if (usage) console.error(`${(err as Error).message}\n\n${USAGE}`);
    else console.error(`loadtest failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(usage ? 2 : 1);
  },
);
