/**
 * bench:serve's overload case: REST JSON predict on the demo model through
 * the gateway, the way issue 5 measured the old gateway failing (open loop
 * at 2x capacity: 0 x 429, ~400 resets, accepted p99 17-22 s).
 *
 * 1. unloaded: closed loop, 1 request at a time -> the p99 a request sees
 *    when nothing queues;
 * 2. capacity: closed loop at 32 -> accepted req/s when saturated;
 * 3. overload: open loop at 2x that capacity for a bounded time, every
 *    answer classified (overload.ts), CPU time of each process recorded.
 *
 * Aims (issue 5): refusals p99 <= 5 ms, accepted p99 <= 2x unloaded p99,
 * 0 x 5xx, 0 connection resets. Each is reported as met or not.
 */
import { cpuReport, cpuSnapshot } from './cpu-usage';
import { runScenario } from './harness';
import { runOverload, type OverloadResult } from './overload';
import { createHttpClient } from './targets/http-client';
import { createRestTarget } from './targets/rest';
import type { Fp32Input } from './targets/tensor-input';

export interface OverloadCaseOptions {
  gatewayUrl: string;
  model: string;
  input: Fp32Input;
  /** Closed-loop measurements (unloaded, capacity). */
  measureS: number;
  warmupS: number;
  /** Open-loop overload. */
  overloadS: number;
  /** Offered load as a multiple of the measured capacity. */
  factor: number;
  /** PIDs of the suite's processes, for CPU accounting. */
  pids: () => Record<string, number | undefined>;
}

export interface OverloadBaseline {
  unloaded_p50_ms: number;
  unloaded_p99_ms: number;
  capacity_rps: number;
}

export interface OverloadRecord extends OverloadResult {
  bench: 'serve';
  case: string;
  target: 'rest-json';
  model: string;
  /** The gateway settings changed from their defaults for this run (empty: defaults). */
  gateway_env: Record<string, string>;
  unloaded_p99_ms: number;
  capacity_rps: number;
  accepted_p99_over_unloaded_p99: number | null;
  aims: { refusal_p99_le_5ms: boolean; accepted_p99_le_2x_unloaded: boolean; zero_5xx: boolean; zero_resets: boolean };
  /** CPU µs per sent request by process, and the load generator's share of the machine. */
  cpu: ReturnType<typeof cpuReport> & { loadgen_cpu_pct: number | null };
}

/** Unloaded latency and capacity of REST JSON predict, closed loop. */
export async function measureBaseline(o: OverloadCaseOptions): Promise<OverloadBaseline> {
  const closed = async (concurrency: number) => {
    const client = createHttpClient('node-http', { baseUrl: o.gatewayUrl, maxSockets: concurrency });
    const target = createRestTarget('rest-json', client, o.model, o.input);
    const r = await runScenario(
      { scenario: `overload-baseline-c${concurrency}`, mode: 'closed', concurrency, durationS: o.measureS, warmupS: o.warmupS, maxRequests: 1_000_000 },
      target.send,
    );
    client.close();
    return r;
  };
  const unloaded = await closed(1);
  const saturated = await closed(32);
  return { unloaded_p50_ms: unloaded.p50_ms, unloaded_p99_ms: unloaded.p99_ms, capacity_rps: saturated.throughput_rps };
}

/** One open-loop run at `factor` x capacity; returns the printed record. */
export async function runOverloadCase(
  o: OverloadCaseOptions,
  baseline: OverloadBaseline,
  label: string,
  gatewayEnv: Record<string, string>,
): Promise<OverloadRecord> {
  const body = Buffer.from(
    JSON.stringify({ inputs: [{ name: o.input.name, datatype: 'FP32', shape: o.input.shape, data: Array.from(o.input.values) }] }),
    'utf8',
  );
  const before = cpuSnapshot(o.pids());
  const wall0 = performance.now();
  const r = await runOverload({
    baseUrl: o.gatewayUrl,
    path: `/v1/models/${encodeURIComponent(o.model)}:predict`,
    body,
    headers: { 'content-type': 'application/json' },
    rateRps: Math.max(10, Math.round(baseline.capacity_rps * o.factor)),
    durationS: o.overloadS,
    maxSockets: 1024,
    maxOutstanding: 4096,
    timeoutMs: 30_000,
  });
  const wallMs = performance.now() - wall0;
  const after = cpuSnapshot(o.pids());
  const cpu = cpuReport(before, after, Math.max(1, r.sent));
  const cores = (await import('node:os')).cpus().length;
  const loadgenMs = after.selfMs - before.selfMs;
  const ratio = baseline.unloaded_p99_ms > 0 && r.accepted > 0 ? Number((r.accepted_p99_ms / baseline.unloaded_p99_ms).toFixed(2)) : null;
  return {
    bench: 'serve',
    case: label,
    target: 'rest-json',
    model: o.model,
    gateway_env: gatewayEnv,
    ...r,
    unloaded_p99_ms: baseline.unloaded_p99_ms,
    capacity_rps: baseline.capacity_rps,
    accepted_p99_over_unloaded_p99: ratio,
    aims: {
      refusal_p99_le_5ms: r.refusal_p99_ms <= 5,
      accepted_p99_le_2x_unloaded: ratio !== null && ratio <= 2,
      zero_5xx: r.status_5xx === 0,
      zero_resets: r.resets === 0 && Object.keys(r.errors).length === 0,
    },
    cpu: { ...cpu, loadgen_cpu_pct: wallMs > 0 ? Math.round((loadgenMs / (wallMs * cores)) * 100) : null },
  };
}
