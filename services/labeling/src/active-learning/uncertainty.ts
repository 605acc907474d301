/**
 * Uncertainty of a model's class distribution, the keys active learning
 * ranks the unlabelled queue by (Settles, "Active Learning Literature
 * Survey", 2009, §3.1). Each is computed once when a pre-label is stored, so
 * the queue orders by an indexed number instead of re-reading scores.
 */

export interface Uncertainty {
  /** 1 − max p: higher is more uncertain. */
  leastConfidence: number;
  /** p(1st) − p(2nd): smaller is more uncertain. */
  margin: number;
  /** −Σ p ln p (nats): higher is more uncertain. */
  entropy: number;
}

/** The three measures of one distribution (scores are renormalised, so raw softmax output in float32 is fine). */
export function uncertaintyOf(probabilities: readonly number[]): Uncertainty {
  const clean = probabilities.map((p) => (Number.isFinite(p) && p > 0 ? p : 0));
  const total = clean.reduce((a, b) => a + b, 0);
  if (clean.length === 0 || total <= 0) return { leastConfidence: 1, margin: 0, entropy: clean.length > 0 ? Math.log(clean.length) : 0 };
  const p = clean.map((v) => v / total);
  const sorted = [...p].sort((a, b) => b - a);
  const first = sorted[0] ?? 0;
  const second = sorted[1] ?? 0;
  let entropy = 0;
  for (const v of p) if (v > 0) entropy -= v * Math.log(v);
  return { leastConfidence: 1 - first, margin: first - second, entropy };
}
