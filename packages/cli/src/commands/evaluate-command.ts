import { parseArgs } from 'node:util';
import { ServerError, UsageError } from '../cli-config';
import type { Command, CommandContext } from '../command';
import { datasetFlag, modelFlag } from '../model-refs';

/** The parts of an evaluation run (GET /v1/evaluations/{run_id}) the table shows. */
export interface EvaluationRunJson {
  run_id: string;
  state: string;
  message: string;
  error: { reason: string; field: string; message: string } | null;
  model: { name: string; version?: number } | null;
  dataset: { name: string; snapshot: number } | null;
  precision: string;
  records_evaluated: number;
  records_skipped: number;
  metrics: Record<string, number>;
  classification: { per_class: ClassRowJson[] } | null;
  /** Token classification runs (taggers): per entity type. */
  token?: { per_type: ClassRowJson[] } | null;
}

/** One row of the per-class (or per entity type) table. */
interface ClassRowJson {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);
/** Headline metrics first, in this order; the rest of the flat metrics follow alphabetically. */
const HEADLINE = ['accuracy', 'macro_f1', 'weighted_f1', 'micro_f1', 'auc', 'ece', 'log_loss', 'entity_f1', 'entity_precision', 'entity_recall', 'token_f1', 'token_accuracy', 'perplexity', 'nll', 'bits_per_token', 'bits_per_char'];
/** Metrics that are counts, printed without decimals. */
const COUNTS = new Set(['tokens', 'windows']);

/** The metrics table of a finished run: headline metrics, then one row per class (per entity type for a tagger). */
export function metricsTable(run: EvaluationRunJson): string {
  const m = run.model ? `${run.model.name}${run.model.version !== undefined ? ` v${run.model.version}` : ''}` : '-';
  const d = run.dataset ? `${run.dataset.name}@${run.dataset.snapshot}` : '-';
  let out = `run ${run.run_id}  ${m} (${run.precision}) on ${d}: ${run.records_evaluated} records (${run.records_skipped} skipped)\n`;
  const keys = [...HEADLINE.filter((k) => k in run.metrics), ...Object.keys(run.metrics).filter((k) => !HEADLINE.includes(k) && !k.includes('/')).sort()];
  for (const k of keys) out += `  ${k.padEnd(16)} ${COUNTS.has(k) ? String(run.metrics[k]) : run.metrics[k]!.toFixed(4)}\n`;
  const perType = run.token?.per_type ?? [];
  const perClass = perType.length > 0 ? perType : (run.classification?.per_class ?? []);
  if (perClass.length > 0) {
    out += `  ${(perType.length > 0 ? 'entity type' : 'class').padEnd(16)} ${'precision'.padStart(9)} ${'recall'.padStart(9)} ${'f1'.padStart(9)} ${'support'.padStart(9)}\n`;
    for (const c of perClass) out += `  ${c.label.padEnd(16)} ${c.precision.toFixed(4).padStart(9)} ${c.recall.toFixed(4).padStart(9)} ${c.f1.toFixed(4).padStart(9)} ${String(c.support).padStart(9)}\n`;
  }
  return out;
}

/** Polls a run until it is terminal, at most `timeoutMs`. */
export async function waitForEvaluation(ctx: CommandContext, runId: string, timeoutMs: number, sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))): Promise<EvaluationRunJson> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await ctx.client.json<EvaluationRunJson>('GET', `/v1/evaluations/${encodeURIComponent(runId)}?omit_predictions=true`);
    if (TERMINAL.has(run.state)) return run;
    if (Date.now() >= deadline) throw new ServerError(`evaluation ${runId} is still ${run.state} after ${Math.round(timeoutMs / 1000)} s; see l1g1 evaluate --run ${runId}`, 0, run);
    await sleep(500);
  }
}

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: 'evaluate a model version on a dataset snapshot and print its metrics',
  usage: 'l1g1 evaluate --model NAME[@ALIAS|@VERSION] --dataset NAME[@SNAPSHOT] [--split test] [--precision fp32|fp16|int8] [--task classification|token_classification|language_modeling] [--window N] [--label-field label] [--max-records N] [--no-wait] [--timeout S] [--json]\n       l1g1 evaluate --run RUN_ID [--json]',
  async run(args, ctx) {
    const { values } = parseArgs({
      args,
      options: {
        model: { type: 'string' },
        dataset: { type: 'string' },
        split: { type: 'string' },
        precision: { type: 'string' },
        'label-field': { type: 'string' },
        task: { type: 'string' },
        'max-records': { type: 'string' },
        window: { type: 'string' },
        run: { type: 'string' },
        'no-wait': { type: 'boolean' },
        timeout: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    const timeout = values.timeout === undefined ? 600 : Number(values.timeout);
    if (!Number.isFinite(timeout) || timeout <= 0) throw new UsageError(`--timeout: expected seconds > 0, got ${JSON.stringify(values.timeout)}`);
    let runId = values.run;
    if (runId === undefined) {
      const maxRecords = values['max-records'];
      if (maxRecords !== undefined && !/^\d+$/.test(maxRecords)) throw new UsageError(`--max-records: expected an integer, got ${JSON.stringify(maxRecords)}`);
      if (values.window !== undefined && !/^\d+$/.test(values.window)) throw new UsageError(`--window: expected an integer, got ${JSON.stringify(values.window)}`);
      const body = {
        model: modelFlag(values.model),
        dataset: datasetFlag(values.dataset),
        ...(values.split !== undefined ? { split: values.split } : {}),
        ...(values.precision !== undefined ? { precision: values.precision.toLowerCase() } : {}),
        ...(values['label-field'] !== undefined ? { label_field: values['label-field'] } : {}),
        // The server names a bad value (INVALID_ARGUMENT on `task`); the CLI does not keep a second list.
        ...(values.task !== undefined ? { task: values.task.toLowerCase() } : {}),
        ...(maxRecords !== undefined ? { max_records: Number(maxRecords) } : {}),
        ...(values.window !== undefined ? { window: Number(values.window) } : {}),
      };
      const created = await ctx.client.json<EvaluationRunJson>('POST', '/v1/evaluations', body);
      runId = created.run_id;
      if (values['no-wait']) {
        ctx.stdout.write(values.json ? `${JSON.stringify(created)}\n` : `run ${runId} ${created.state}\n`);
        return 0;
      }
    }
    const run = await waitForEvaluation(ctx, runId, timeout * 1000);
    if (values.json) ctx.stdout.write(`${JSON.stringify(run)}\n`);
    if (run.state !== 'succeeded') {
      if (!values.json) ctx.stdout.write(`run ${run.run_id} ${run.state}: ${run.error?.message ?? run.message}\n`);
      return 1;
    }
    if (!values.json) ctx.stdout.write(metricsTable(run));
    return 0;
  },
};
