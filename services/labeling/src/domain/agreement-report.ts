/**
 * ComputeAgreement's domain: the project's units (agreement-units.ts) fed
 * to the pure metrics of ../agreement. COHEN reports each annotator pair and
 * their mean; FLEISS, KRIPPENDORFF_ALPHA and PERCENT pool every annotator;
 * SPAN_F1 compares the spans of each pair (NER), BOX_F1 the boxes of each
 * pair matched by IoU (BBOX). Per-label values are one-vs-rest Fleiss kappas.
 */
import { labeling } from '@l1g1/contracts';
import { errors } from '@l1g1/kit';
import { boxF1, cohenKappa, countTable, fleissKappa, krippendorffAlphaNominal, spanF1, type LabeledBox, type LabeledSpan } from '../agreement';
import { unitsOfTask, type TaskAnnotations, type Unit } from './agreement-units';
import { DEFAULT_IOU_THRESHOLD } from './box-clusters';

const { AgreementMetric: M, TaskType } = labeling;

export interface AgreementSummary {
  metric: labeling.AgreementMetric;
  /** The metric's value (kappa, alpha, or F1 for SPAN_F1). */
  value: number;
  observedAgreement: number;
  tasksCompared: number;
  unitsCompared: number;
  perLabel: { label: string; kappa: number; support: number }[];
  pairs: { annotatorA: string; annotatorB: string; kappa: number; observedAgreement: number; sharedTasks: number; precision: number; recall: number; meanIou: number }[];
  /** BBOX projects: mean IoU of all matched box pairs (every annotator pair pooled); else 0. */
  meanIou: number;
  /** BBOX projects: the IoU threshold boxes were matched at; else 0. */
  iouThreshold: number;
}

/** An annotator's counted (not skipped, not gold) annotation of a task. */
function valueBy(t: TaskAnnotations, who: string): labeling.AnnotationValue | undefined {
  return t.annotations.find((x) => x.annotator === who && !x.skipped && !x.gold)?.value;
}

const boxesBy = (t: TaskAnnotations, who: string): LabeledBox[] => {
  const v = valueBy(t, who)?.value;
  return v?.$case === 'bbox' ? v.value.boxes : [];
};

function pairsOf(units: readonly Unit[]): [string, string][] {
  const who = new Set<string>();
  for (const u of units) for (const a of u.keys()) who.add(a);
  const list = [...who].sort();
  const out: [string, string][] = [];
  for (let i = 0; i < list.length; i++) for (let j = i + 1; j < list.length; j++) out.push([list[i] as string, list[j] as string]);
  return out;
}

const mean = (xs: readonly number[]): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

export function computeAgreement(
  config: labeling.LabelConfig,
  tasks: readonly TaskAnnotations[],
  metric: labeling.AgreementMetric,
  annotators: ReadonlySet<string>,
  iouThreshold = DEFAULT_IOU_THRESHOLD,
): AgreementSummary {
  const isBoxes = config.taskType === TaskType.TASK_TYPE_BBOX;
  if (metric === M.AGREEMENT_METRIC_BOX_F1 && !isBoxes) throw errors.invalidArgument('metric', 'box F1 needs a bounding-box project');
  const perTask = tasks.map((t) => ({ t, units: unitsOfTask(config, t, annotators, iouThreshold) }));
  const compared = perTask.filter((p) => (p.units[0]?.size ?? 0) >= 2);
  const units = compared.flatMap((p) => p.units);
  let chosen = metric;
  if (chosen === M.AGREEMENT_METRIC_UNSPECIFIED && isBoxes) chosen = M.AGREEMENT_METRIC_BOX_F1;
  if (chosen === M.AGREEMENT_METRIC_UNSPECIFIED) chosen = units.some((u) => u.size > 2) ? M.AGREEMENT_METRIC_FLEISS_KAPPA : M.AGREEMENT_METRIC_COHEN_KAPPA;
  const categories = [...new Set(units.flatMap((u) => [...u.values()]))].sort();
  const ratings = units.map((u) => [...u.values()]);
  const pooled = fleissKappa(countTable(ratings, categories));
  const perLabel = categories.map((label) => {
    const binary = ratings.map((r) => r.map((v) => (v === label ? 'y' : 'n')));
    return { label, kappa: fleissKappa(countTable(binary, ['y', 'n'])).kappa, support: ratings.filter((r) => r.includes(label)).length };
  });
  const base = {
    metric: chosen,
    tasksCompared: compared.length,
    unitsCompared: units.length,
    perLabel,
    pairs: [] as AgreementSummary['pairs'],
    meanIou: isBoxes ? pooledMeanIou(tasks, annotators, iouThreshold) : 0,
    iouThreshold: isBoxes ? iouThreshold : 0,
  };
  const noBoxFigures = { precision: 0, recall: 0, meanIou: 0 };
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
        return { annotatorA: a, annotatorB: b, kappa: k.kappa, observedAgreement: k.observed, sharedTasks: shared.length, ...noBoxFigures };
      }).filter((p) => p.sharedTasks > 0);
      return { ...base, pairs, value: mean(pairs.map((p) => p.kappa)), observedAgreement: mean(pairs.map((p) => p.observedAgreement)) };
    }
    case M.AGREEMENT_METRIC_SPAN_F1: {
      if (config.taskType !== TaskType.TASK_TYPE_NER) throw errors.invalidArgument('metric', 'span F1 needs an NER project');
      const spansBy = (t: TaskAnnotations, who: string): LabeledSpan[] => {
        const v = valueBy(t, who)?.value;
        return v?.$case === 'ner' ? v.value.spans : [];
      };
      const pairs = pairsOf(units).map(([a, b]) => {
        const shared = compared.filter((p) => p.units[0]?.has(a) && p.units[0]?.has(b)).map((p) => p.t);
        const f = spanF1(
          shared.map((t) => spansBy(t, a)),
          shared.map((t) => spansBy(t, b)),
        );
        return { annotatorA: a, annotatorB: b, kappa: f.f1, observedAgreement: f.f1, sharedTasks: shared.length, precision: f.precision, recall: f.recall, meanIou: 0 };
      }).filter((p) => p.sharedTasks > 0);
      return { ...base, pairs, value: mean(pairs.map((p) => p.kappa)), observedAgreement: mean(pairs.map((p) => p.observedAgreement)) };
    }
    case M.AGREEMENT_METRIC_BOX_F1: {
      // Tasks, not units: two annotators who both drew nothing on an image agree on it.
      const pairs = annotatorPairs(tasks, annotators).map(([a, b]) => {
        const shared = tasks.filter((t) => valueBy(t, a) && valueBy(t, b));
        const f = boxF1(
          shared.map((t) => boxesBy(t, a)),
          shared.map((t) => boxesBy(t, b)),
          iouThreshold,
        );
        return { annotatorA: a, annotatorB: b, kappa: f.f1, observedAgreement: f.f1, sharedTasks: shared.length, precision: f.precision, recall: f.recall, meanIou: f.meanIou };
      }).filter((p) => p.sharedTasks > 0);
      const measured = tasks.filter((t) => pairs.some((p) => valueBy(t, p.annotatorA) && valueBy(t, p.annotatorB)));
      return { ...base, tasksCompared: measured.length, pairs, value: mean(pairs.map((p) => p.kappa)), observedAgreement: mean(pairs.map((p) => p.observedAgreement)) };
    }
    default:
      throw errors.invalidArgument('metric', 'unknown agreement metric');
  }
}

/** Pairs of the annotators who gave a counted annotation on any task (restricted to `only` when not empty). */
function annotatorPairs(tasks: readonly TaskAnnotations[], only: ReadonlySet<string>): [string, string][] {
  const who = new Set<string>();
  for (const t of tasks) for (const a of t.annotations) if (!a.skipped && !a.gold && a.value && (only.size === 0 || only.has(a.annotator))) who.add(a.annotator);
  return pairsOf([new Map([...who].map((w) => [w, '']))]);
}

/** Mean IoU over every matched box pair of every annotator pair on every task. */
function pooledMeanIou(tasks: readonly TaskAnnotations[], only: ReadonlySet<string>, iouThreshold: number): number {
  let sum = 0;
  let n = 0;
  for (const [a, b] of annotatorPairs(tasks, only)) {
    const shared = tasks.filter((t) => valueBy(t, a) && valueBy(t, b));
    const f = boxF1(
      shared.map((t) => boxesBy(t, a)),
      shared.map((t) => boxesBy(t, b)),
      iouThreshold,
    );
    sum += f.iouSum;
    n += f.matched;
  }
  return n === 0 ? 0 : sum / n;
}
