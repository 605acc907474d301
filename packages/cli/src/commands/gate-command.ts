import { parseArgs } from 'node:util';
import { UsageError } from '../cli-config';
import type { Command } from '../command';
import { modelFlag } from '../model-refs';

/** POST /v1/gates/{gate_id}:evaluate's answer (the fields printed). */
export interface GateDecisionJson {
  decision_id: string;
  gate_name: string;
  model: { name: string; version?: number } | null;
  passed: boolean;
  results: { threshold: { metric: string; comparison: string; value: number; relative_to_baseline: boolean } | null; actual: number; compared: number; passed: boolean }[];
  reasons: string[];
  evaluation_run_id: string;
  promoted: boolean;
  promoted_alias: string;
  previous_alias_version: number;
}

const SYMBOL: Readonly<Record<string, string>> = { greater_or_equal: '>=', less_or_equal: '<=', greater: '>', less: '<' };

export function decisionText(d: GateDecisionJson): string {
  const m = d.model ? `${d.model.name}${d.model.version !== undefined ? ` v${d.model.version}` : ''}` : '-';
  let out = `gate ${d.gate_name}: ${m} ${d.passed ? 'PASSED' : 'FAILED'} (decision ${d.decision_id}, run ${d.evaluation_run_id})\n`;
  for (const r of d.results) {
    const t = r.threshold;
    if (!t) continue;
    const left = t.relative_to_baseline ? `${t.metric} - baseline` : t.metric;
    out += `  ${r.passed ? 'ok  ' : 'FAIL'} ${left} = ${r.compared.toFixed(4)} ${SYMBOL[t.comparison] ?? t.comparison} ${t.value}\n`;
  }
  for (const reason of d.reasons) out += `  reason: ${reason}\n`;
  if (d.promoted) out += `  promoted: ${d.promoted_alias} -> v${d.model?.version ?? '?'}${d.previous_alias_version ? ` (was v${d.previous_alias_version})` : ''}\n`;
  return out;
}

export const gateCommand: Command = {
  name: 'gate',
  summary: 'check a model version against a promotion gate (and promote it on pass)',
  usage: 'l1g1 gate evaluate GATE_ID --model NAME[@ALIAS|@VERSION] [--run RUN_ID] [--promote] [--json]',
  async run(args, ctx) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { model: { type: 'string' }, run: { type: 'string' }, promote: { type: 'boolean' }, json: { type: 'boolean' } } });
    const [verb, gateId, ...rest] = positionals;
    if (verb !== 'evaluate') throw new UsageError(`unknown gate verb ${JSON.stringify(verb ?? '')}: only "evaluate"`);
    if (gateId === undefined || rest.length > 0) throw new UsageError('give exactly one GATE_ID');
    const body = { model: modelFlag(values.model), ...(values.run !== undefined ? { evaluation_run_id: values.run } : {}), ...(values.promote ? { promote: true } : {}) };
    const d = await ctx.client.json<GateDecisionJson>('POST', `/v1/gates/${encodeURIComponent(gateId)}:evaluate`, body);
    ctx.stdout.write(values.json ? `${JSON.stringify(d)}\n` : decisionText(d));
    // A failed gate is the answer, not an error of the CLI; scripts still want to tell it apart.
    return d.passed ? 0 : 1;
  },
};
