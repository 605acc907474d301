/** What a well-formed gate is: checked on CreateGate and after every UpdateGate merge. */
import { evaluator } from '@l1g1/contracts';
import { errors } from '@l1g1/kit';
import { LANGUAGE_MODEL_METRICS } from '../domain/evaluations/language-model-report';

export const GATE_NAME_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** Metric keys as EvaluationRun.metrics spells them (`macro_f1`, `f1/spam`) — the registry's tag-key rule. */
const METRIC_RE = /^[A-Za-z0-9_][A-Za-z0-9._:/-]{0,127}$/;
const ALIAS_RE = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
/** Thresholds one gate may hold. */
export const MAX_THRESHOLDS = 32;
/** Rows per request a latency budget may be measured at. */
export const MAX_LATENCY_BATCH = 4096;

export function checkGateName(name: string, field = 'name'): string {
  if (!GATE_NAME_RE.test(name)) throw errors.invalidArgument(field, `gate names match ${GATE_NAME_RE.source}, got ${JSON.stringify(name.slice(0, 80))}`);
  return name;
}

/** Validates a gate (field paths under `field`) and fills in its defaults. */
export function normalizeGate(gate: evaluator.Gate, field = 'gate'): evaluator.Gate {
  checkGateName(gate.name, `${field}.name`);
  if (gate.thresholds.length === 0) throw errors.invalidArgument(`${field}.thresholds`, 'a gate needs at least one threshold');
  if (gate.thresholds.length > MAX_THRESHOLDS) throw errors.invalidArgument(`${field}.thresholds`, `at most ${MAX_THRESHOLDS} thresholds`);
  gate.thresholds.forEach((t, i) => {
    const where = `${field}.thresholds[${i}]`;
    if (!METRIC_RE.test(t.metric)) throw errors.invalidArgument(`${where}.metric`, `a metric key such as "accuracy", "macro_f1" or "f1/<class>" is required, got ${JSON.stringify(t.metric.slice(0, 80))}`);
    if (t.comparison === evaluator.Comparison.COMPARISON_UNSPECIFIED || evaluator.Comparison[t.comparison] === undefined) {
      throw errors.invalidArgument(`${where}.comparison`, 'one of greater_or_equal, less_or_equal, greater, less');
    }
    if (!Number.isFinite(t.value)) throw errors.invalidArgument(`${where}.value`, 'must be a finite number');
  });
  if (gate.thresholds.some((t) => t.relativeToBaseline) && !gate.baselineAlias) {
    throw errors.invalidArgument(`${field}.baseline_alias`, 'relative thresholds need a baseline alias (e.g. "production")');
  }
  for (const [key, value] of [
    ['baseline_alias', gate.baselineAlias],
    ['promote_alias', gate.promoteAlias],
  ] as const) {
    if (value && !ALIAS_RE.test(value)) throw errors.invalidArgument(`${field}.${key}`, `aliases match ${ALIAS_RE.source}`);
  }
  if (gate.maxVariantDrop !== undefined && !(gate.maxVariantDrop >= 0 && gate.maxVariantDrop <= 1)) {
    throw errors.invalidArgument(`${field}.max_variant_drop`, 'must be within [0, 1] (0.005 = half a point)');
  }
  if (gate.maxLatencyP95Ms !== undefined && !(gate.maxLatencyP95Ms > 0 && gate.maxLatencyP95Ms <= 600_000)) {
    throw errors.invalidArgument(`${field}.max_latency_p95_ms`, 'must be within (0, 600000] ms');
  }
  if (!Number.isInteger(gate.latencyBatchSize) || gate.latencyBatchSize < 0 || gate.latencyBatchSize > MAX_LATENCY_BATCH) {
    throw errors.invalidArgument(`${field}.latency_batch_size`, `must be 0-${MAX_LATENCY_BATCH} (0: 1 row per request)`);
  }
  if (gate.description.length > 1024) throw errors.invalidArgument(`${field}.description`, 'at most 1024 characters');
  return { ...gate, split: gate.split || 'test', labelField: gate.labelField || 'label', latencyBatchSize: gate.maxLatencyP95Ms === undefined ? gate.latencyBatchSize : gate.latencyBatchSize || 1 };
}

/**
 * A threshold the candidate's evaluation can never produce is refused before
 * anything is evaluated (INVALID_ARGUMENT naming `metric`): a language
 * model's run has only its own metrics, and no other model's run has them.
 */
export function checkProducible(thresholds: readonly evaluator.MetricThreshold[], isLanguageModel: boolean): void {
  for (const t of thresholds) {
    if (LANGUAGE_MODEL_METRICS.has(t.metric) !== isLanguageModel) {
      const why = isLanguageModel ? 'a language model is evaluated by perplexity, nll, bits_per_token, bits_per_char' : 'only a language model\'s evaluation has it';
      throw errors.invalidArgument('metric', `the model's evaluation has no metric "${t.metric}": ${why}`, { reason: 'UNKNOWN_METRIC' });
    }
  }
}
