/**
 * Cohen's kappa for two annotators over the same units (Cohen 1960):
 * κ = (p_o − p_e) / (1 − p_e), p_e from each annotator's own label
 * frequencies. Matches scikit-learn's `cohen_kappa_score` (unweighted).
 */

export interface KappaResult {
  kappa: number;
  /** p_o: share of units where both gave the same label. */
  observed: number;
  /** p_e: agreement expected by chance. */
  expected: number;
  units: number;
}

/**
 * κ between `a` and `b` (same length, one label per unit). When chance
 * agreement is total (both used one and the same label) κ is 1 if they
 * agree everywhere, as scikit-learn would give NaN there: we report the
 * agreement rather than a NaN no client can serialize.
 */
export function cohenKappa(a: readonly string[], b: readonly string[]): KappaResult {
  if (a.length !== b.length) throw new RangeError(`cohenKappa: ${a.length} labels against ${b.length}`);
  const n = a.length;
  if (n === 0) return { kappa: 0, observed: 0, expected: 0, units: 0 };
  const fa = new Map<string, number>();
  const fb = new Map<string, number>();
  let same = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i] as string;
    const y = b[i] as string;
    if (x === y) same++;
    fa.set(x, (fa.get(x) ?? 0) + 1);
    fb.set(y, (fb.get(y) ?? 0) + 1);
  }
  const observed = same / n;
  let expected = 0;
  for (const [label, ca] of fa) expected += (ca / n) * ((fb.get(label) ?? 0) / n);
  const kappa = expected === 1 ? (observed === 1 ? 1 : 0) : (observed - expected) / (1 - expected);
  return { kappa, observed, expected, units: n };
}
