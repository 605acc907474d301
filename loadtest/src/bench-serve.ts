/**
 * `npm run bench:serve`: the serving benchmark, side by side in one run.
 *
 * The reference is the MLP 4096→256→20 (fp32) run in this process by
 * onnxruntime-node (batch 1 and 32). The suite (registry, inference,
 * gateway) then runs as child processes — the load generator must not share
 * an event loop with the servers — and the same model is driven through gRPC
 * Predict, OIP gRPC ModelInfer, REST JSON and REST OIP binary at several
 * concurrencies, with dynamic batching on, then off.
 *
 * Prints one JSON line per case (`{"bench":"serve",...}`) and a final
 * summary line (`{"bench":"serve-summary",...}`); progress goes to stderr.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, platform, release, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadInternalSecret, servicePrincipal } from '@l1g1/kit';
import { buildDemoClassifier, buildMlp } from '@l1g1/onnx';
import { cpuReport, cpuSnapshot, type CpuReport, type CpuSnapshot } from './cpu-usage';
import { runScenario, type Scenario, type ScenarioResult, type SendFn } from './harness';
import { measureBaseline, runOverloadCase, type OverloadCaseOptions, type OverloadRecord } from './overload-case';
import {
  freePort,
  grpcHealthCheck,
  httpHealthCheck,
  registerModel,
  startServiceProcess,
  waitHealthy,
  type ServiceProcess,
} from './suite-processes';
import { createGrpcOipTarget, createGrpcPredictTarget } from './targets/grpc';
import { createHttpClient, type HttpClientKind } from './targets/http-client';
import { createInProcessOrtTarget } from './targets/inproc-ort';
import { createRestTarget, type RestTargetKind } from './targets/rest';
import type { ServerTimingStats, ServerTimingSummary } from './targets/server-timing';
import { randomFp32Input, rowsOf, type Fp32Input } from './targets/tensor-input';

const ROOT = resolve(__dirname, '..', '..');
const MODEL = 'mlp';
const INPUT_SIZE = 4096;
const CLIENT_BATCH_ROWS = 32;
/** The inference service's default (L1G1_MAX_QUEUE_DELAY_US), for the p99 aim. */
const MAX_QUEUE_DELAY_US = 0;

interface BenchOptions {
  durationS: number;
  warmupS: number;
  maxRequests: number;
  /** Only the overload case (`--only overload`): a short run of what the front door does under 2x load. */
  onlyOverload: boolean;
  /** Length of each open-loop overload run. */
  overloadS: number;
}

function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      'duration-s': { type: 'string' },
      'warmup-s': { type: 'string' },
      'max-requests': { type: 'string' },
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      'overload-s': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log('usage: node loadtest/dist/bench-serve.js [--quick] [--duration-s 3] [--warmup-s 0.5] [--max-requests 1000000] [--only overload] [--overload-s 8]');
    process.exit(0);
  }
  const num = (v: string | undefined, name: string, fallback: number): number => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got "${v}"`);
    return n;
  };
  const quick = values.quick === true;
  if (values.only !== undefined && values.only !== 'overload') throw new Error(`--only must be "overload", got "${values.only}"`);
  return {
    onlyOverload: values.only === 'overload',
    overloadS: num(values['overload-s'], 'overload-s', quick ? 3 : 8),
    durationS: num(values['duration-s'], 'duration-s', quick ? 1 : 3),
    warmupS: num(values['warmup-s'], 'warmup-s', quick ? 0.25 : 0.5),
    maxRequests: Math.floor(num(values['max-requests'], 'max-requests', 1_000_000)),
  };
}

/** One printed case: the harness result plus what was measured. */
interface CaseRecord extends ScenarioResult {
  bench: 'serve';
  case: string;
  target: string;
  batching?: boolean;
  rows_per_request: number;
  body_bytes?: number;
  http_client?: HttpClientKind;
  grpc_channels?: number;
  /** The request was encoded once and its bytes replayed. */
  pre_encoded?: boolean;
  /** Server-reported means over the measured window. */
  server?: ServerTimingSummary;
  /** CPU time per request by process, and how busy the machine was with other work. */
  cpu?: CpuReport;
}

const log = (msg: string): void => {
  process.stderr.write(`[bench:serve] ${msg}\n`);
};

/** Child processes and the temp dir, released on every way out. */
class Cleanup {
  readonly processes: ServiceProcess[] = [];
  dir: string | undefined;
  private done = false;

  constructor() {
    const onSignal = (signal: NodeJS.Signals): void => {
      log(`${signal}: stopping the suite`);
      void this.run().finally(() => process.exit(130));
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    // Last resort (uncaught error, process.exit): no child may outlive us.
    process.once('exit', () => {
      for (const p of this.processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      this.removeDir();
    });
  }

  async run(): Promise<void> {
    if (this.done) return;
    this.done = true;
    // Front door first, storage last.
    for (const p of [...this.processes].reverse()) await p.stop().catch(() => undefined);
    this.removeDir();
  }

  private removeDir(): void {
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}

/** Keeps sending until one request succeeds (a service warming up or reconnecting). */
async function untilOk(what: string, send: SendFn, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      await send();
      return;
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`${what} kept failing: ${last instanceof Error ? last.message : String(last)}`);
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const cleanup = new Cleanup();
  try {
    await bench(opts, cleanup);
  } finally {
    await cleanup.run();
  }
}

async function bench(opts: BenchOptions, cleanup: Cleanup): Promise<void> {
  const records = new Map<string, CaseRecord>();
  const started = Date.now();

  const runCase = async (
    id: string,
    meta: Omit<CaseRecord, keyof ScenarioResult | 'bench' | 'case'>,
    send: SendFn,
    load: { concurrency: number } | { rateRps: number; maxOutstanding: number },
    timing?: ServerTimingStats,
  ): Promise<CaseRecord> => {
    const base = { scenario: id, maxRequests: opts.maxRequests, durationS: opts.durationS, warmupS: opts.warmupS, rowsPerRequest: meta.rows_per_request };
    const scenario: Scenario = 'concurrency' in load ? { ...base, mode: 'closed', concurrency: load.concurrency } : { ...base, mode: 'open', ...load };
    // Server timing and CPU time count from the end of the warm-up, like the latencies.
    const pids = (): Record<string, number | undefined> => Object.fromEntries(cleanup.processes.map((p) => [p.name, p.child.pid]));
    let cpuStart: CpuSnapshot | undefined;
    const warmupEnd = setTimeout(() => {
      timing?.reset();
      cpuStart = cpuSnapshot(pids());
    }, opts.warmupS * 1000);
    const result = await runScenario(scenario, send);
    clearTimeout(warmupEnd);
    const cpu = cpuStart ? cpuReport(cpuStart, cpuSnapshot(pids()), result.requests) : undefined;
    const record: CaseRecord = {
      bench: 'serve',
      case: id,
      ...meta,
      ...result,
      ...(timing ? { server: timing.summary() } : {}),
      ...(cpu ? { cpu } : {}),
    };
    records.set(id, record);
    console.log(JSON.stringify(record));
    return record;
  };

  const modelBytes = buildMlp({ inputSize: INPUT_SIZE, hiddenSizes: [256], outputSize: 20, seed: 42 });
  const input1 = randomFp32Input('input', [1, INPUT_SIZE]);
  const input32 = randomFp32Input('input', [CLIENT_BATCH_ROWS, INPUT_SIZE]);

  // --- the reference: in-process ORT, before any server runs --------------
  for (const input of opts.onlyOverload ? [] : [input1, input32]) {
    const rows = rowsOf(input);
    log(`in-process ORT, batch ${rows}`);
    const target = await createInProcessOrtTarget(modelBytes, input);
    await runCase(`inproc-b${rows}`, { target: 'inproc-ort', rows_per_request: rows }, target.send, { concurrency: 1 });
    await target.close();
  }

  // --- the suite as child processes ---------------------------------------
  cleanup.dir = mkdtempSync(join(tmpdir(), 'l1g1-bench-'));
  const dir = cleanup.dir;
  const [registryPort, inferencePort, gatewayPort] = [await freePort(), await freePort(), await freePort()];
  const registryAddr = `127.0.0.1:${registryPort}`;
  const inferenceAddr = `127.0.0.1:${inferencePort}`;
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  // The bench registers its model as a service principal signed with the suite's internal secret.
  const internalSecret = loadInternalSecret(undefined, dir);
  const env = {
    L1G1_DATA_DIR: dir,
    L1G1_INTERNAL_SECRET: internalSecret,
    L1G1_REGISTRY_ADDR: registryAddr,
    L1G1_INFERENCE_ADDR: inferenceAddr,
    L1G1_GATEWAY_PORT: String(gatewayPort),
    L1G1_HTTP_HOST: '127.0.0.1',
  };
  const start = async (name: string, script: string, extra: Record<string, string>, check: () => Promise<boolean>): Promise<ServiceProcess> => {
    const p = startServiceProcess(name, join(ROOT, script), { ...env, ...extra, OTEL_SERVICE_NAME: name }, join(dir, `${name}.log`));
    cleanup.processes.push(p);
    await waitHealthy(p, check);
    return p;
  };

  log('starting model-registry, inference (batching on), gateway');
  await start('model-registry', 'services/model-registry/dist/main.js', {}, grpcHealthCheck(registryAddr));
  const version = await registerModel(registryAddr, MODEL, modelBytes, { principal: servicePrincipal('loadtest', ['write']), internalSecret });
  log(`registered ${MODEL} version ${version} (alias production)`);
  // The same process settings as `npm start` gives inference and the gateway (launcher).
  const inferenceNode = { NODE_OPTIONS: '--max-semi-space-size=64', L1G1_INFERENCE_METRICS_PORT: '0' };
  let inference = await start('inference', 'services/inference/dist/main.js', { ...inferenceNode, L1G1_BATCHING: 'true' }, grpcHealthCheck(inferenceAddr));
  let gateway = await start('gateway', 'gateway/dist/main.js', inferenceNode, httpHealthCheck(`${gatewayUrl}/healthz`));

  // --- overload: open loop at 2x capacity through the front door ------------
  // The demo classifier (4 floats in): the gateway, not the model, is what
  // saturates, as in issue 5's measurement of the old gateway.
  const overloadRecords: OverloadRecord[] = [];
  const runOverloadCases = async (): Promise<void> => {
    await registerModel(registryAddr, 'demo', buildDemoClassifier(), { principal: servicePrincipal('loadtest', ['write']), internalSecret });
    const o: OverloadCaseOptions = {
      gatewayUrl,
      model: 'demo',
      input: randomFp32Input('features', [1, 4]),
      measureS: opts.durationS,
      warmupS: opts.warmupS,
      overloadS: opts.overloadS,
      factor: 2,
      pids: () => Object.fromEntries(cleanup.processes.map((p) => [p.name, p.child.pid])),
    };
    {
      const client = createHttpClient('node-http', { baseUrl: gatewayUrl, maxSockets: 1 });
      await untilOk('REST predict (demo)', createRestTarget('rest-json', client, 'demo', o.input).send);
      client.close();
    }
    log('overload: unloaded latency and capacity (rest-json, demo model)');
    const baseline = await measureBaseline(o);
    console.log(JSON.stringify({ bench: 'serve', case: 'rest-json-demo-baseline', ...baseline }));
    // The same offered load with the gateway's defaults, then with each
    // shedding rule tightened: what each buys, on the machine at hand. When
    // the gateway's own CPU is the bottleneck its requests in flight stay
    // low (the backlog waits unread in socket buffers), so only the
    // event-loop rules can see it.
    const variants: Record<string, string>[] = [
      {},
      { L1G1_MAX_REQUESTS_IN_FLIGHT: '16' },
      { L1G1_MAX_EVENT_LOOP_UTILIZATION_PCT: '90' },
    ];
    for (const [i, gatewayEnv] of variants.entries()) {
      if (i > 0) {
        await gateway.stop();
        cleanup.processes.splice(cleanup.processes.indexOf(gateway), 1);
        gateway = await start('gateway', 'gateway/dist/main.js', { ...inferenceNode, ...gatewayEnv }, httpHealthCheck(`${gatewayUrl}/healthz`));
      }
      const suffix = Object.entries(gatewayEnv).map(([k, v]) => `-${k.replace(/^L1G1_/, '').toLowerCase()}-${v}`).join('');
      log(`overload: open loop at ${Math.round(baseline.capacity_rps * 2)} req/s (2x ${baseline.capacity_rps}), gateway ${suffix || 'defaults'}`);
      const record = await runOverloadCase(o, baseline, `rest-json-demo-open-2x-capacity${suffix}`, gatewayEnv);
      console.log(JSON.stringify(record));
      overloadRecords.push(record);
    }
    await gateway.stop();
    cleanup.processes.splice(cleanup.processes.indexOf(gateway), 1);
    gateway = await start('gateway', 'gateway/dist/main.js', inferenceNode, httpHealthCheck(`${gatewayUrl}/healthz`));
  };
  if (opts.onlyOverload) {
    await runOverloadCases();
    console.log(JSON.stringify({ bench: 'serve-overload-summary', machine: machineInfo(), options: { measure_s: opts.durationS, overload_s: opts.overloadS }, wall_s: Number(((Date.now() - started) / 1000).toFixed(1)) }));
    return;
  }

  const grpcTarget = (kind: 'grpc-predict' | 'grpc-oip', input: Fp32Input, channels = 1, preEncoded = false) =>
    (kind === 'grpc-predict' ? createGrpcPredictTarget : createGrpcOipTarget)({ address: inferenceAddr, model: MODEL, input, channels, preEncoded });

  const warm = async (): Promise<void> => {
    const g = grpcTarget('grpc-predict', input1);
    await untilOk('gRPC Predict', g.send);
    g.close();
    const client = createHttpClient('node-http', { baseUrl: gatewayUrl, maxSockets: 1 });
    await untilOk('REST predict', createRestTarget('rest-json', client, MODEL, input1).send);
    client.close();
  };
  await warm();

  const runGrpc = async (kind: 'grpc-predict' | 'grpc-oip', batching: boolean, concurrency: number, input = input1, channels = 1, preEncoded = false) => {
    const t = grpcTarget(kind, input, channels, preEncoded);
    const rows = rowsOf(input);
    const id = `${kind}${rows > 1 ? `-b${rows}` : ''}-c${concurrency}${channels > 1 ? `-ch${channels}` : ''}-${batching ? 'batched' : 'unbatched'}${preEncoded ? '-preencoded' : ''}`;
    log(id);
    const r = await runCase(id, { target: kind, batching, rows_per_request: rows, grpc_channels: channels, pre_encoded: preEncoded }, t.send, { concurrency }, t.timing);
    t.close();
    return r;
  };
  const runRest = async (kind: RestTargetKind, batching: boolean, concurrency: number, clientKind: HttpClientKind, suffix = '') => {
    const client = createHttpClient(clientKind, { baseUrl: gatewayUrl, maxSockets: concurrency });
    const t = createRestTarget(kind, client, MODEL, input1);
    const id = `${kind}-c${concurrency}-${batching ? 'batched' : 'unbatched'}${suffix}`;
    log(id);
    const r = await runCase(id, { target: kind, batching, rows_per_request: 1, body_bytes: t.bodyBytes, http_client: clientKind }, t.send, { concurrency }, t.timing);
    client.close();
    return r;
  };

  // --- which HTTP client loads the gateway harder --------------------------
  const viaFetch = await runRest('rest-json', true, 16, 'fetch', '-fetch');
  const viaHttp = await runRest('rest-json', true, 16, 'node-http', '-node-http');
  const httpClient: HttpClientKind = viaFetch.throughput_rps > viaHttp.throughput_rps ? 'fetch' : 'node-http';
  log(`HTTP client: ${httpClient} (fetch ${viaFetch.throughput_rps} req/s, http.request ${viaHttp.throughput_rps} req/s at c16)`);

  // --- batching on ----------------------------------------------------------
  for (const c of [1, 16, 64]) {
    await runGrpc('grpc-predict', true, c);
    await runGrpc('grpc-oip', true, c);
    await runRest('rest-json', true, c, httpClient);
    await runRest('rest-oip-binary', true, c, httpClient);
  }
  await runRest('rest-oip-json', true, 64, httpClient);
  await runGrpc('grpc-predict', true, 64, input1, 4);
  await runGrpc('grpc-predict', true, 4, input32);
  // The same with the request encoded once: the server's capacity without
  // the load generator's protobuf encoding competing for the 2 cores.
  await runGrpc('grpc-predict', true, 64, input1, 1, true);
  await runGrpc('grpc-predict', true, 4, input32, 1, true);
  // Open loop at half the closed-loop capacity: the latency a request sees
  // when the server is not saturated (the p99 aim is about that regime).
  const capacity = records.get('grpc-predict-c64-batched')?.throughput_rps ?? 1000;
  {
    const t = grpcTarget('grpc-predict', input1);
    const rate = Math.max(10, Math.round(capacity / 2));
    log(`grpc-predict open loop at ${rate} req/s`);
    await runCase('grpc-predict-open-half-capacity-batched', { target: 'grpc-predict', batching: true, rows_per_request: 1, grpc_channels: 1 }, t.send, { rateRps: rate, maxOutstanding: 256 }, t.timing);
    t.close();
  }

  await runOverloadCases();

  // --- batching off: the same inference service, one request per run --------
  log('restarting inference with L1G1_BATCHING=false');
  await inference.stop();
  cleanup.processes.splice(cleanup.processes.indexOf(inference), 1);
  inference = await start('inference', 'services/inference/dist/main.js', { ...inferenceNode, L1G1_BATCHING: 'false' }, grpcHealthCheck(inferenceAddr));
  await warm();
  await runGrpc('grpc-predict', false, 1);
  await runGrpc('grpc-predict', false, 64);
  await runRest('rest-json', false, 1, httpClient);
  await runRest('rest-json', false, 64, httpClient);
  await runGrpc('grpc-predict', false, 4, input32);

  // --- summary ----------------------------------------------------------------
  const get = (id: string, field: 'throughput_rps' | 'rows_per_s' | 'p50_ms' | 'p99_ms'): number | null => records.get(id)?.[field] ?? null;
  const ratio = (a: number | null, b: number | null): number | null => (a !== null && b !== null && b > 0 ? Number((a / b).toFixed(3)) : null);
  const diffUs = (a: number | null, b: number | null): number | null => (a !== null && b !== null ? Math.round((a - b) * 1000) : null);
  const inB1 = get('inproc-b1', 'rows_per_s');
  const inB32 = get('inproc-b32', 'rows_per_s');
  const restC64 = get('rest-json-c64-batched', 'throughput_rps');
  const grpcC64 = get('grpc-predict-c64-batched', 'rows_per_s');
  const b32Compute = records.get('grpc-predict-c64-batched')?.server?.mean_compute_us ?? null;
  const foreign = [...records.values()].map((r) => r.cpu?.foreign_cpu_pct).filter((v): v is number => typeof v === 'number');
  const summary = {
    bench: 'serve-summary',
    machine: machineInfo(),
    options: { duration_s: opts.durationS, warmup_s: opts.warmupS, max_requests: opts.maxRequests, http_client: httpClient },
    model: { name: MODEL, architecture: `MLP ${INPUT_SIZE}->256->20 fp32`, version },
    figures: {
      inproc_b1_rows_per_s: inB1,
      inproc_b32_rows_per_s: inB32,
      inproc_b32_over_b1: ratio(inB32, inB1),
      rest_json_c64_rps: restC64,
      rest_json_c64_aim_1600_ratio: ratio(restC64, 1600),
      rest_json_c64_over_fastapi_550: ratio(restC64, 550),
      rest_json_c64_over_ray_serve_260: ratio(restC64, 260),
      rest_oip_binary_c64_rps: get('rest-oip-binary-c64-batched', 'throughput_rps'),
      grpc_raw_batched_c64_rows_per_s: grpcC64,
      grpc_raw_batched_over_inproc_b32: ratio(grpcC64, inB32),
      grpc_raw_batched_over_inproc_b1: ratio(grpcC64, inB1),
      rest_json_batched_c64_over_inproc_b1: ratio(get('rest-json-c64-batched', 'rows_per_s'), inB1),
      grpc_client_b32_rows_per_s: get('grpc-predict-b32-c4-batched', 'rows_per_s'),
      grpc_client_b32_over_inproc_b32: ratio(get('grpc-predict-b32-c4-batched', 'rows_per_s'), inB32),
      grpc_preencoded_c64_rows_per_s: get('grpc-predict-c64-batched-preencoded', 'rows_per_s'),
      grpc_preencoded_b32_rows_per_s: get('grpc-predict-b32-c4-batched-preencoded', 'rows_per_s'),
      grpc_preencoded_b32_over_inproc_b32: ratio(get('grpc-predict-b32-c4-batched-preencoded', 'rows_per_s'), inB32),
      batching_on_over_off_grpc_c64: ratio(get('grpc-predict-c64-batched', 'throughput_rps'), get('grpc-predict-c64-unbatched', 'throughput_rps')),
      batching_on_over_off_rest_json_c64: ratio(restC64, get('rest-json-c64-unbatched', 'throughput_rps')),
      added_p50_us_grpc_c1_unbatched: diffUs(get('grpc-predict-c1-unbatched', 'p50_ms'), get('inproc-b1', 'p50_ms')),
      added_p50_us_rest_json_c1_unbatched: diffUs(get('rest-json-c1-unbatched', 'p50_ms'), get('inproc-b1', 'p50_ms')),
      added_p50_us_grpc_c1_batched: diffUs(get('grpc-predict-c1-batched', 'p50_ms'), get('inproc-b1', 'p50_ms')),
      open_loop_half_capacity_p99_ms: get('grpc-predict-open-half-capacity-batched', 'p99_ms'),
      p99_bound_ms: b32Compute === null ? null : Number(((2 * MAX_QUEUE_DELAY_US + b32Compute) / 1000).toFixed(3)),
      overload_2x: overloadRecords.map((r) => ({
        gateway_env: r.gateway_env,
        offered_rps: r.offered_rps,
        accepted_rps: r.accepted_rps,
        refusal_p99_ms: r.refusal_p99_ms,
        accepted_p99_ms: r.accepted_p99_ms,
        unloaded_p99_ms: r.unloaded_p99_ms,
        status_5xx: r.status_5xx,
        resets: r.resets,
      })),
    },
    // Other work on the machine during the measured windows: figures taken
    // while it was high are not comparable with a quiet run.
    foreign_cpu_pct: {
      max: Math.max(0, ...foreign),
      mean: foreign.length ? Math.round(foreign.reduce((a, b) => a + b, 0) / foreign.length) : null,
    },
    wall_s: Number(((Date.now() - started) / 1000).toFixed(1)),
  };
  if (summary.foreign_cpu_pct.max > 20) log(`warning: other processes used up to ${summary.foreign_cpu_pct.max}% of the CPUs during a case; rerun on a quiet machine`);
  console.log(JSON.stringify(summary));
}

function machineInfo(): Record<string, unknown> {
  let ortVersion = 'unknown';
  try {
    ortVersion = (JSON.parse(readFileSync(require.resolve('onnxruntime-node/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    // Only for the record.
  }
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memory_gib: Number((totalmem() / 2 ** 30).toFixed(1)),
    os: `${platform()} ${release()}`,
    node: process.version,
    onnxruntime_node: ortVersion,
    date: new Date().toISOString(),
  };
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench:serve failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    process.exit(1);
  },
);
