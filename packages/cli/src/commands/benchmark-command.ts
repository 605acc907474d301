import { parseArgs } from 'node:util';
import { ServerError, UsageError } from '../cli-config';
import type { Command } from '../command';
import { modelFlag } from '../model-refs';

/** One `result` event of POST /v1/benchmarks (the fields the table shows). */
export interface BenchmarkResultJson {
  run_id: string;
  batch_size: number;
  requests: number;
  errors: number;
  throughput_rows_per_s: number;
  requests_per_s: number;
  latency: { p50_us: number; p95_us: number; p99_us: number };
  precision: string;
  device: string;
  concurrency: number;
}

const COLUMNS = ['batch', 'requests', 'errors', 'p50 ms', 'p95 ms', 'p99 ms', 'rows/s', 'req/s'];
const WIDTH = 10;

export function benchmarkHeader(): string {
  return `${COLUMNS.map((c) => c.padStart(WIDTH)).join('')}\n`;
}

/** One table row, printed as soon as its batch size is measured. */
export function benchmarkRow(r: BenchmarkResultJson): string {
  const ms = (us: number): string => (us / 1000).toFixed(3);
  const cells = [String(r.batch_size), String(r.requests), String(r.errors), ms(r.latency.p50_us), ms(r.latency.p95_us), ms(r.latency.p99_us), r.throughput_rows_per_s.toFixed(1), r.requests_per_s.toFixed(1)];
  return `${cells.map((c) => c.padStart(WIDTH)).join('')}\n`;
}

/** `1,8,32` (possibly given several times) into batch sizes. */
export function batchSizes(values: readonly string[]): number[] {
  const out = values.flatMap((v) => v.split(',')).map((s) => s.trim()).filter((s) => s !== '');
  return out.map((s) => {
    if (!/^\d+$/.test(s) || Number(s) < 1) throw new UsageError(`--batch_size: expected positive integers such as 1,8,32, got ${JSON.stringify(s)}`);
    return Number(s);
  });
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`${flag}: expected a positive integer, got ${JSON.stringify(value)}`);
  return Number(value);
}

/** The POST /v1/benchmarks body from the flags (the source's benchmark.py knobs). */
export function benchmarkRequestBody(args: string[]): { body: Record<string, unknown>; json: boolean } {
  const { values } = parseArgs({
    args,
    allowPositionals: false,
    options: {
      model: { type: 'string' },
      // benchmark.py spells it --batch_size; the kebab-case spelling is taken too.
      batch_size: { type: 'string', multiple: true },
      'batch-size': { type: 'string', multiple: true },
      precision: { type: 'string' },
      device: { type: 'string' },
      concurrency: { type: 'string' },
      requests: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const sizes = batchSizes([...(values.batch_size ?? []), ...(values['batch-size'] ?? [])]);
  let durationMs: number | undefined;
  if (values.duration !== undefined) {
    if (!/^\d+(\.\d+)?$/.test(values.duration) || Number(values.duration) <= 0) throw new UsageError(`--duration: expected seconds > 0, got ${JSON.stringify(values.duration)}`);
    durationMs = Math.round(Number(values.duration) * 1000);
  }
  const warmup = values.warmup === undefined ? undefined : values.warmup === '0' ? 0 : positiveInt(values.warmup, '--warmup');
  const body: Record<string, unknown> = {
    model: modelFlag(values.model),
    ...(sizes.length > 0 ? { batch_sizes: sizes } : {}),
    ...(values.precision !== undefined ? { precision: values.precision.toLowerCase() } : {}),
    ...(values.device !== undefined ? { device: values.device } : {}),
    ...(values.concurrency !== undefined ? { concurrency: positiveInt(values.concurrency, '--concurrency') } : {}),
    ...(values.requests !== undefined ? { iterations: positiveInt(values.requests, '--requests') } : {}),
    ...(durationMs !== undefined ? { duration_ms: durationMs } : {}),
    ...(warmup !== undefined ? { warmup_iterations: warmup } : {}),
  };
  return { body, json: values.json === true };
}

export const benchmarkCommand: Command = {
  name: 'benchmark',
  summary: 'measure latency and throughput per batch size (one row as each finishes)',
  usage: 'l1g1 benchmark --model NAME[@ALIAS] [--batch_size 1,8,32] [--precision fp32|fp16|int8] [--device cpu] [--concurrency N] [--requests N | --duration S] [--warmup N] [--json]',
  async run(args, ctx) {
    const { body, json } = benchmarkRequestBody(args);
    const events = await ctx.client.postEvents('/v1/benchmarks', body);
    let printedHeader = false;
    for await (const e of events) {
      if (e.event === 'result') {
        const r = JSON.parse(e.data) as BenchmarkResultJson;
        if (json) ctx.stdout.write(`${e.data}\n`);
        else {
          if (!printedHeader) {
            ctx.stdout.write(`model ${String(body['model'])}  precision ${r.precision}  device ${r.device}  concurrency ${r.concurrency}\n${benchmarkHeader()}`);
            printedHeader = true;
          }
          ctx.stdout.write(benchmarkRow(r));
        }
      } else if (e.event === 'done') {
        const d = JSON.parse(e.data) as { run_id: string; results: number };
        if (!json) ctx.stdout.write(`run ${d.run_id}: ${d.results} result(s)\n`);
        return 0;
      } else if (e.event === 'error') {
        const err = (JSON.parse(e.data) as { error?: { code?: string; message?: string } }).error;
        throw new ServerError(`benchmark: ${err?.code ?? ''} ${err?.message ?? e.data}`.trim(), 0, err);
      }
    }
    throw new ServerError('benchmark: the stream ended before its `done` event', 0, undefined);
  },
};
