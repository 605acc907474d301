/**
 * Binary scores sorted by descending score and grouped into runs of equal
 * score: the shape both ROC and PR curves are built from. Ties form one
 * threshold, as scikit-learn's `_binary_clf_curve` does (it keeps only the
 * last index of each distinct score), so tied records move together.
 */
export interface ScoreGroup {
  /** Positives and negatives sharing this score. */
  positives: number;
  negatives: number;
}

export function rankedScoreGroups(isPositive: readonly boolean[], scores: readonly number[]): ScoreGroup[] {
  if (isPositive.length !== scores.length) throw new RangeError(`paired inputs differ in length: ${isPositive.length} vs ${scores.length}`);
  const order = scores.map((_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number));
  const groups: ScoreGroup[] = [];
  let last: number | undefined;
  for (const i of order) {
    const s = scores[i] as number;
    if (Number.isNaN(s)) throw new RangeError('scores must not be NaN');
    if (last === undefined || s !== last) groups.push({ positives: 0, negatives: 0 });
    const g = groups[groups.length - 1] as ScoreGroup;
    if (isPositive[i]) g.positives++;
    else g.negatives++;
    last = s;
  }
  return groups;
}
