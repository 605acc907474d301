/**
 * The decision core of CompareVariants (and of comparing two versions on the
 * same split): paired predictions of a baseline and a candidate on the same
 * records → the metric's delta with a bootstrap interval, McNemar's test,
 * per-class deltas, agreement, and whether the drop stays within a bound —
 * with the one-line evidence recorded on the registry version.
 */
import { errors } from '@l1g1/kit';
import { accuracy, precisionRecallF1 } from '../metrics';
import { bootstrapDelta, type DeltaInterval } from '../stats/bootstrap';
import { mcnemar as mcnemarTest, type McNemarResult } from '../stats/mcnemar';
import { perClassDeltas, type ClassDelta } from '../stats/per-class-deltas';

/** Metrics a comparison can bound (computable from labels alone, so from stored predictions). */
export const COMPARABLE_METRICS = ['accuracy', 'macro_f1', 'weighted_f1', 'micro_f1'] as const;
export type ComparableMetric = (typeof COMPARABLE_METRICS)[number];

export interface PairedComparisonInput {
  /** Class names, index order. */
  labels: readonly string[];
  /** Label indices per record, the same records in the same order on each side. */
  truth: readonly number[];
  baseline: readonly number[];
  candidate: readonly number[];
  metric: string;
  /** Largest accepted drop of `metric` (absolute: 0.005 = half a point). */
  maxDrop: number;
  seed: number;
  resamples?: number;
  confidence?: number;
}

export interface PairedComparison {
  metric: ComparableMetric;
  baselineValue: number;
  candidateValue: number;
  /** Candidate minus baseline, with its percentile bootstrap interval. */
  interval: DeltaInterval;
  mcnemar: McNemarResult;
  /** Fraction of records both sides predict the same. */
  agreement: number;
  perClass: ClassDelta[];
  withinTolerance: boolean;
  /** e.g. "accuracy 0.9100 vs fp32 0.9350: drop 2.50 points, bound 0.50; 95% CI of delta [-0.0400, -0.0100]; McNemar p=0.0039". */
  evidence: string;
}

export function metricOf(metric: ComparableMetric, yTrue: readonly number[], yPred: readonly number[], classes: number): number {
  if (metric === 'accuracy') return accuracy(yTrue, yPred);
  const s = precisionRecallF1(yTrue, yPred, classes);
  return metric === 'macro_f1' ? s.macro.f1 : metric === 'weighted_f1' ? s.weighted.f1 : s.micro.f1;
}

/** Float noise in metric sums must not flip a decision exactly at the bound. */
const EPSILON = 1e-12;

export function comparePaired(input: PairedComparisonInput, baselineName = 'baseline'): PairedComparison {
  const metric = input.metric as ComparableMetric;
  if (!(COMPARABLE_METRICS as readonly string[]).includes(metric)) {
    throw errors.invalidArgument('metric', `a comparison bounds one of ${COMPARABLE_METRICS.join(', ')}, got ${JSON.stringify(input.metric)}`);
  }
  if (!(input.maxDrop >= 0 && input.maxDrop <= 1)) throw errors.invalidArgument('max_drop', 'must be within [0, 1] (0.005 = half a point)');
  const n = input.truth.length;
  if (n === 0) throw errors.failedPrecondition('no records to compare');
  if (input.baseline.length !== n || input.candidate.length !== n) throw errors.internal('paired predictions of different lengths');
  const classes = input.labels.length;
  const baselineValue = metricOf(metric, input.truth, input.baseline, classes);
  const candidateValue = metricOf(metric, input.truth, input.candidate, classes);

  const t = new Array<number>(n);
  const p = new Array<number>(n);
  const interval = bootstrapDelta(
    (indices, side) => {
      const pred = side === 'baseline' ? input.baseline : input.candidate;
      indices.forEach((i, k) => {
        t[k] = input.truth[i]!;
        p[k] = pred[i]!;
      });
      return metricOf(metric, t, p, classes);
    },
    { records: n, seed: input.seed, ...(input.resamples ? { resamples: input.resamples } : {}), ...(input.confidence ? { confidence: input.confidence } : {}) },
  );

  const names = (xs: readonly number[]) => xs.map((i) => input.labels[i] ?? String(i));
  const mcnemar = mcnemarTest(names(input.truth), names(input.baseline), names(input.candidate));
  let same = 0;
  for (let i = 0; i < n; i++) if (input.baseline[i] === input.candidate[i]) same++;
  const scores = (pred: readonly number[]) =>
    precisionRecallF1(input.truth, pred, classes).perClass.map((s, i) => ({ label: input.labels[i] ?? String(i), ...s }));
  const perClass = perClassDeltas(scores(input.baseline), scores(input.candidate));

  const drop = baselineValue - candidateValue;
  const withinTolerance = drop <= input.maxDrop + EPSILON;
  const pts = (x: number) => (x * 100).toFixed(2);
  const evidence =
    `${metric} ${candidateValue.toFixed(4)} vs ${baselineName} ${baselineValue.toFixed(4)}: ` +
    `${drop > 0 ? `drop ${pts(drop)} points` : `gain ${pts(-drop)} points`}, bound ${pts(input.maxDrop)}; ` +
    `${Math.round(interval.confidence * 100)}% CI of delta [${interval.lower.toFixed(4)}, ${interval.upper.toFixed(4)}]; ` +
    `McNemar p=${mcnemar.pValue.toPrecision(3)} (${mcnemar.method})`;
  return { metric, baselineValue, candidateValue, interval, mcnemar, agreement: same / n, perClass, withinTolerance, evidence };
}
