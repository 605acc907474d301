/**
 * ComputeAgreement's domain: the project's units (agreement-units.ts) fed
 * to the pure metrics of ../agreement. COHEN reports each annotator pair and
 * their mean; FLEISS, KRIPPENDORFF_ALPHA and PERCENT pool every annotator;
 * SPAN_F1 compares the spans of each pair (NER). Per-label values are
 * one-vs-rest Fleiss kappas.
 */
import { labeling } from '@l1g1/contracts';
import { errors } from '@l1g1/kit';
import { cohenKappa, countTable, fleissKappa, krippendorffAlphaNominal, spanF1, type LabeledSpan } from '../agreement';
import { unitsOfTask, type TaskAnnotations, type Unit } from './agreement-units';

const { AgreementMetric: M, TaskType } = labeling;

export interface AgreementSummary {
  metric: labeling.AgreementMetric;
  /** The metric's value (kappa, alpha, or F1 for SPAN_F1). */
  value: number;
  observedAgreement: number;
  tasksCompared: number;
  unitsCompared: number;
  perLabel: { label: string; kappa: number; support: number }[];
  pairs: { annotatorA: string; annotatorB: string; kappa: number; observedAgreement: number; sharedTasks: number }[];
}

function pairsOf(units: readonly Unit[]): [string, string][] {
  const who = new Set<string>();
  for (const u of units) for (const a of u.keys()) who.add(a);
  const list = [...who].sort();
  const out: [string, string][] = [];
  for (let i = 0; i < list.length; i++) for (let j = i + 1; j < list.length; j++) out.push([list[i] as string, list[j] as string]);
  return out;
}

const mean = (xs: readonly number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

export function computeAgreement(config: labeling.LabelConfig, tasks: readonly TaskAnnotations[], metric: labeling.AgreementMetric, annotators: ReadonlySet<string>): AgreementSummary {
  const perTask = tasks.map((t) => ({ t, units: unitsOfTask(config, t, annotators) }));
  const compared = perTask.filter((p) => (p.units[0]?.size ?? 0) >= 2);
  const units = compared.flatMap((p) => p.units);
  let chosen = metric;
  if (chosen === M.AGREEMENT_METRIC_UNSPECIFIED) chosen = units.some((u) => u.size > 2) ? M.AGREEMENT_METRIC_FLEISS_KAPPA : M.AGREEMENT_METRIC_COHEN_KAPPA;
  const categories = [...new Set(units.flatMap((u) => [...u.values()]))].sort();
  const ratings = units.map((u) => [...u.values()]);
  const pooled = fleissKappa(countTable(ratings, categories));
  const perLabel = categories.map((label) => {
    const binary = ratings.map((r) => r.map((v) => (v === label ? 'y' : 'n')));
    return { label, kappa: fleissKappa(countTable(binary, ['y', 'n'])).kappa, support: ratings.filter((r) => r.includes(label)).length };
  });
  const base = { metric: chosen, tasksCompared: compared.length, unitsCompared: units.length, perLabel, pairs: [] as AgreementSummary['pairs'] };
  switch (chosen) {
    case M.AGREEMENT_METRIC_FLEISS_KAPPA:
      return { ...base, value: pooled.kappa, observedAgreement: pooled.observed };
    case M.AGREEMENT_METRIC_PERCENT:
      return { ...base, value: pooled.observed, observedAgreement: pooled.observed };
    case M.AGREEMENT_METRIC_KRIPPENDORFF_ALPHA: {
      const who = [...new Set(units.flatMap((u) => [...u.keys()]))];
      const alpha = krippendorffAlphaNominal(units.map((u) => who.map((w) => u.get(w))));
      return { ...base, value: alpha.alpha, observedAgreement: 1 - alpha.observedDisagreement };
    }
    case M.AGREEMENT_METRIC_COHEN_KAPPA: {
      const pairs = pairsOf(units).map(([a, b]) => {
        const shared = compared.filter((p) => p.units[0]?.has(a) && p.units[0]?.has(b));
        const us = shared.flatMap((p) => p.units);
        const k = cohenKappa(
          us.map((u) => u.get(a) as string),
          us.map((u) => u.get(b) as string),
        );
        return { annotatorA: a, annotatorB: b, kappa: k.kappa, observedAgreement: k.observed, sharedTasks: shared.length };
      }).filter((p) => p.sharedTasks > 0);
      return { ...base, pairs, value: mean(pairs.map((p) => p.kappa)), observedAgreement: mean(pairs.map((p) => p.observedAgreement)) };
    }
    case M.AGREEMENT_METRIC_SPAN_F1: {
      if (config.taskType !== TaskType.TASK_TYPE_NER) throw errors.invalidArgument('metric', 'span F1 needs an NER project');
      const spansBy = (t: TaskAnnotations, who: string): LabeledSpan[] => {
        const a = t.annotations.find((x) => x.annotator === who && !x.skipped && !x.gold);
        return a?.value?.value?.$case === 'ner' ? a.value.value.value.spans : [];
      };
      const pairs = pairsOf(units).map(([a, b]) => {
        const shared = compared.filter((p) => p.units[0]?.has(a) && p.units[0]?.has(b)).map((p) => p.t);
        const f = spanF1(
          shared.map((t) => spansBy(t, a)),
          shared.map((t) => spansBy(t, b)),
        );
        return { annotatorA: a, annotatorB: b, kappa: f.f1, observedAgreement: f.f1, sharedTasks: shared.length };
      }).filter((p) => p.sharedTasks > 0);
      return { ...base, pairs, value: mean(pairs.map((p) => p.kappa)), observedAgreement: mean(pairs.map((p) => p.observedAgreement)) };
    }
    default:
      throw errors.invalidArgument('metric', 'unknown agreement metric');
  }
}
