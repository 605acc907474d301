/** The pure part of EvaluateGate: thresholds against a candidate's (and a baseline's) metrics. */
import { evaluator } from '@l1g1/contracts';
import { errors } from '@l1g1/kit';

const SYMBOL: Record<number, string> = {
  [evaluator.Comparison.COMPARISON_GREATER_OR_EQUAL]: '>=',
  [evaluator.Comparison.COMPARISON_LESS_OR_EQUAL]: '<=',
  [evaluator.Comparison.COMPARISON_GREATER]: '>',
  [evaluator.Comparison.COMPARISON_LESS]: '<',
};
const NEGATED: Record<string, string> = { '>=': '<', '<=': '>', '>': '<=', '<': '>=' };

function holds(comparison: evaluator.Comparison, left: number, right: number): boolean {
  switch (comparison) {
    case evaluator.Comparison.COMPARISON_GREATER_OR_EQUAL:
      return left >= right;
    case evaluator.Comparison.COMPARISON_LESS_OR_EQUAL:
      return left <= right;
    case evaluator.Comparison.COMPARISON_GREATER:
      return left > right;
    case evaluator.Comparison.COMPARISON_LESS:
      return left < right;
    default:
      return false;
  }
}

/** The reason line's ending for a relative threshold whose baseline run lacks the metric. */
export const BASELINE_LACKS_METRIC = "the baseline's evaluation has no such metric";

const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(4));

export interface GateVerdict {
  passed: boolean;
  results: evaluator.ThresholdResult[];
  /** One line per failed check, e.g. "macro_f1 0.9840 < 0.9900". */
  reasons: string[];
}

/**
 * Checks every threshold. A metric the candidate's run does not have is the
 * caller's mistake (the model cannot produce it): INVALID_ARGUMENT naming
 * `metric`. Relative thresholds pass when there is no baseline (`baseline`
 * undefined: the alias does not exist yet), as the contract says.
 */
export function decideThresholds(
  thresholds: readonly evaluator.MetricThreshold[],
  candidate: Readonly<Record<string, number>>,
  baseline: Readonly<Record<string, number>> | undefined,
): GateVerdict {
  const results: evaluator.ThresholdResult[] = [];
  const reasons: string[] = [];
  thresholds.forEach((t) => {
    const actual = candidate[t.metric];
    if (actual === undefined) {
      const have = Object.keys(candidate).sort().slice(0, 20).join(', ') || 'none';
      throw errors.invalidArgument('metric', `the model's evaluation has no metric "${t.metric}" (it has: ${have})`, { reason: 'UNKNOWN_METRIC' });
    }
    const op = SYMBOL[t.comparison] ?? '?';
    if (!t.relativeToBaseline) {
      const passed = holds(t.comparison, actual, t.value);
      results.push({ threshold: t, actual, compared: actual, passed });
      if (!passed) reasons.push(`${t.metric} ${fmt(actual)} ${NEGATED[op]} ${fmt(t.value)}`);
      return;
    }
    if (!baseline) {
      results.push({ threshold: t, actual, compared: 0, passed: true });
      return;
    }
    const base = baseline[t.metric];
    if (base === undefined) {
      results.push({ threshold: t, actual, compared: 0, passed: false });
      reasons.push(`${t.metric}: ${BASELINE_LACKS_METRIC}`);
      return;
    }
    const compared = actual - base;
    const passed = holds(t.comparison, compared, t.value);
    results.push({ threshold: t, actual, baseline: base, compared, passed });
    if (!passed) reasons.push(`${t.metric} ${fmt(actual)} - baseline ${fmt(base)} = ${compared >= 0 ? '+' : ''}${fmt(compared)} ${NEGATED[op]} ${fmt(t.value)}`);
  });
  return { passed: reasons.length === 0, results, reasons };
}
