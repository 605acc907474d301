import type { ConfidenceOptions } from './confidence-options';
import type { ScoredRecord } from './score-records';

export type ReviewReasonName = 'low_confidence' | 'label_disagreement';

/** What happens to one record. */
export type ConfidenceDecision =
  | { readonly keep: true; readonly confidence: number; readonly predictedLabel: string; readonly labelled: boolean }
  | {
      readonly keep: false;
      readonly reason: ReviewReasonName;
      readonly givenLabel: string;
      readonly predictedLabel: string;
      /** Probability of the given label (0 when the model has no such class). */
      readonly confidence: number;
      readonly threshold: number;
    };

export interface ConfidencePlan {
  /** By record id. */
  readonly decisions: ReadonlyMap<string, ConfidenceDecision>;
  /** The thresholds applied in the last round, per class. */
  readonly thresholds: ReadonlyMap<string, number>;
  /** Rounds run (fewer than asked when a round changed nothing). */
  readonly roundsRun: number;
  readonly scored: number;
  readonly kept: number;
  readonly sentToReview: number;
  readonly unlabelled: number;
  readonly sentToReviewByClass: ReadonlyMap<string, number>;
}

function argmax(p: Float64Array): number {
  let best = 0;
  for (let i = 1; i < p.length; i += 1) if ((p[i] as number) > (p[best] as number)) best = i;
  return best;
}

/**
 * Per-class thresholds for this round. CONFIDENT_LEARNING follows Northcutt
 * et al. (2021): a class's threshold is the mean predicted probability of
 * that class over the records labelled with it (its mean self-confidence),
 * so a class the model finds hard is not emptied by one global number; a
 * class with no labelled record falls back to `threshold`.
 */
function thresholdsFor(options: ConfidenceOptions, kept: readonly ScoredRecord[]): Map<string, number> {
  const out = new Map<string, number>();
  if (options.mode === 'confident_learning') {
    const sums = new Map<string, { n: number; sum: number }>();
    for (const r of kept) {
      const c = r.givenLabel === undefined ? -1 : options.classNames.indexOf(r.givenLabel);
      if (c < 0) continue;
      const acc = sums.get(r.givenLabel as string) ?? { n: 0, sum: 0 };
      acc.n += 1;
      acc.sum += r.probabilities[c] as number;
      sums.set(r.givenLabel as string, acc);
    }
    for (const name of options.classNames) {
      const acc = sums.get(name);
      out.set(name, acc === undefined ? options.threshold : acc.sum / acc.n);
    }
    return out;
  }
  for (const name of options.classNames) {
    out.set(name, options.mode === 'per_class' ? (options.classThresholds.get(name) ?? options.threshold) : options.threshold);
  }
  return out;
}

function decide(r: ScoredRecord, options: ConfidenceOptions, thresholds: ReadonlyMap<string, number>): ConfidenceDecision {
  const predicted = argmax(r.probabilities);
  const predictedLabel = options.classNames[predicted] as string;
  if (r.givenLabel === undefined) return { keep: true, confidence: r.probabilities[predicted] as number, predictedLabel, labelled: false };
  const c = options.classNames.indexOf(r.givenLabel);
  const confidence = c < 0 ? 0 : (r.probabilities[c] as number);
  const threshold = thresholds.get(r.givenLabel) ?? options.threshold;
  if (confidence < threshold) return { keep: false, reason: 'low_confidence', givenLabel: r.givenLabel, predictedLabel, confidence, threshold };
  if (options.dropDisagreements && predictedLabel !== r.givenLabel) {
    return { keep: false, reason: 'label_disagreement', givenLabel: r.givenLabel, predictedLabel, confidence, threshold };
  }
  return { keep: true, confidence, predictedLabel, labelled: true };
}

/**
 * Decides every record over `rounds` rounds: round 1 applies the thresholds
 * to everything; each further round recomputes the thresholds over the set
 * kept so far (which only moves them in CONFIDENT_LEARNING, where dropping
 * noisy records raises a class's mean self-confidence) and re-decides the
 * kept set; a record dropped once stays dropped. The model version is pinned
 * for the whole job, so its scores for a record cannot change between
 * rounds: the first pass's scores are re-used rather than asking the
 * inference service the same question again. Stops early when a round drops
 * nothing.
 */
export function planConfidenceFilter(scored: readonly ScoredRecord[], options: ConfidenceOptions): ConfidencePlan {
  const decisions = new Map<string, ConfidenceDecision>();
  let kept: ScoredRecord[] = [...scored];
  let thresholds = thresholdsFor(options, kept);
  let roundsRun = 0;
  for (let round = 1; round <= options.rounds; round += 1) {
    if (round > 1) thresholds = thresholdsFor(options, kept);
    roundsRun = round;
    const next: ScoredRecord[] = [];
    for (const r of kept) {
      const d = decide(r, options, thresholds);
      decisions.set(r.id, d);
      if (d.keep) next.push(r);
    }
    const droppedNothing = next.length === kept.length;
    kept = next;
    // Fixed thresholds re-decide a kept set identically; learnt ones only move when something was dropped.
    if (droppedNothing || options.mode !== 'confident_learning') break;
  }
  let unlabelled = 0;
  let sentToReview = 0;
  const byClass = new Map<string, number>();
  for (const d of decisions.values()) {
    if (d.keep) {
      if (!d.labelled) unlabelled += 1;
    } else {
      sentToReview += 1;
      byClass.set(d.givenLabel, (byClass.get(d.givenLabel) ?? 0) + 1);
    }
  }
  return { decisions, thresholds, roundsRun, scored: scored.length, kept: scored.length - sentToReview, sentToReview, unlabelled, sentToReviewByClass: byClass };
}
