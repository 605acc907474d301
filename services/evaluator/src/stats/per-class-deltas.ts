/** Scores of one class, as the metric library reports them. */
export interface ClassScores {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ClassDelta {
  label: string;
  /** Candidate minus baseline; a class absent on one side counts as 0 there. */
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/**
 * Per-class deltas (candidate minus baseline) over the union of both sides'
 * classes, in the baseline's order then the candidate's new classes, so a
 * reader sees which classes a candidate improves and which it breaks.
 */
export function perClassDeltas(baseline: readonly ClassScores[], candidate: readonly ClassScores[]): ClassDelta[] {
  const zero = (label: string): ClassScores => ({ label, precision: 0, recall: 0, f1: 0, support: 0 });
  const cand = new Map(candidate.map((c) => [c.label, c]));
  const base = new Map(baseline.map((c) => [c.label, c]));
  const labels = [...baseline.map((c) => c.label), ...candidate.map((c) => c.label).filter((l) => !base.has(l))];
  return labels.map((label) => {
    const b = base.get(label) ?? zero(label);
    const c = cand.get(label) ?? zero(label);
    return { label, precision: c.precision - b.precision, recall: c.recall - b.recall, f1: c.f1 - b.f1, support: Math.max(b.support, c.support) };
  });
}

/** Flat metric deltas (candidate minus baseline) on the keys both sides have. */
export function metricDeltas(baseline: Readonly<Record<string, number>>, candidate: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(candidate)) {
    const b = baseline[k];
    if (b !== undefined) out[k] = v - b;
  }
  return out;
}
