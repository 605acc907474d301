/**
 * The metric names an evaluation writes into the registry version's
 * metrics: `eval.<split>.<precision>.<metric>`, e.g.
 * `eval.test.fp32.macro_f1` (split `all` when the snapshot has no split).
 * Only the headline figures go there (per-class figures stay with the run),
 * so a version's metrics stay well under the registry's 64 per request.
 */
export const REGISTRY_HEADLINE_METRICS = [
  'accuracy',
  'macro_f1',
  'weighted_f1',
  'micro_f1',
  'auc',
  'pr_auc',
  'ece',
  'log_loss',
  // Token classification runs (taggers).
  'entity_f1',
  'entity_precision',
  'entity_recall',
  'token_f1',
  'token_accuracy',
] as const;

export function registryMetricKey(split: string, precision: string, metric: string): string {
  // Registry keys allow [A-Za-z0-9._:/-]; a split name outside that is spelled safely.
  const safeSplit = (split || 'all').replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
  return `eval.${safeSplit}.${precision}.${metric}`;
}

/** The registry metrics of one run (`names`: the task's headline metrics, classification's by default). */
export function registryMetrics(split: string, precision: string, metrics: Readonly<Record<string, number>>, names: readonly string[] = REGISTRY_HEADLINE_METRICS): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of names) {
    const v = metrics[m];
    if (v !== undefined && Number.isFinite(v)) out[registryMetricKey(split, precision, m)] = v;
  }
  return out;
}
