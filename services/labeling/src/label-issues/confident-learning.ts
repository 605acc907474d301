/**
 * Label issues by confident learning (Northcutt, Jiang, Chuang, "Confident
 * Learning: Estimating Uncertainty in Dataset Labels", JAIR 2021): with
 * out-of-fold probabilities p(j | x), the per-class threshold is the model's
 * average self-confidence t_j = mean of p_j over the items labelled j. An
 * item labelled i counts toward the confident joint at (i, j*) where j* is,
 * among the classes whose p_j ≥ t_j, the one with the largest p_j; items off
 * the diagonal (j* ≠ i) are the likely label issues. Items with no class
 * above its threshold are not counted (the paper's rule).
 */

export interface LabelledProbabilities {
  id: string;
  /** The given label, an index into the class list. */
  label: number;
  /** p(j | x) per class, same order as the class list. */
  probabilities: readonly number[];
}

export interface FoundIssue {
  id: string;
  givenLabel: number;
  suggestedLabel: number;
  givenProbability: number;
  suggestedProbability: number;
  suggestedThreshold: number;
}

export interface ConfidentLearningResult {
  /** t_j per class; NaN for a class no item is labelled with (it can never be suggested). */
  thresholds: number[];
  issues: FoundIssue[];
}

export function findLabelIssues(items: readonly LabelledProbabilities[], classCount: number): ConfidentLearningResult {
  const sums = new Array<number>(classCount).fill(0);
  const counts = new Array<number>(classCount).fill(0);
  for (const it of items) {
    sums[it.label] = (sums[it.label] ?? 0) + (it.probabilities[it.label] ?? 0);
    counts[it.label] = (counts[it.label] ?? 0) + 1;
  }
  const thresholds = sums.map((s, j) => ((counts[j] ?? 0) > 0 ? s / (counts[j] as number) : Number.NaN));
  const issues: FoundIssue[] = [];
  for (const it of items) {
    let best = -1;
    for (let j = 0; j < classCount; j++) {
      const p = it.probabilities[j] ?? 0;
      const t = thresholds[j] as number;
      if (Number.isNaN(t) || p < t) continue;
      if (best < 0 || p > (it.probabilities[best] ?? 0)) best = j;
    }
    if (best >= 0 && best !== it.label) {
      issues.push({
        id: it.id,
        givenLabel: it.label,
        suggestedLabel: best,
        givenProbability: it.probabilities[it.label] ?? 0,
        suggestedProbability: it.probabilities[best] ?? 0,
        suggestedThreshold: thresholds[best] as number,
      });
    }
  }
  return { thresholds, issues };
}
