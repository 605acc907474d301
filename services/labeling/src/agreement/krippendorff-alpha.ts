/**
 * Krippendorff's alpha for nominal data with missing values (Krippendorff,
 * "Computing Krippendorff's Alpha-Reliability", 2011): α = 1 − D_o / D_e
 * from the coincidence matrix of values paired within units. A unit coded
 * by fewer than two coders is not pairable and drops out.
 */

export interface AlphaResult {
  alpha: number;
  /** Observed disagreement D_o. */
  observedDisagreement: number;
  /** Expected disagreement D_e. */
  expectedDisagreement: number;
  /** n: pairable values. */
  pairableValues: number;
}

/**
 * α of `data[unit][coder]` (undefined: the coder did not code the unit).
 * With no disagreement possible (one value used throughout) α is 1 when the
 * codes agree: we report that rather than 0/0.
 */
export function krippendorffAlphaNominal(data: readonly (readonly (string | undefined)[])[]): AlphaResult {
  // Coincidences o_ck, kept sparse: value -> value -> weight.
  const o = new Map<string, Map<string, number>>();
  const add = (c: string, k: string, w: number): void => {
    let row = o.get(c);
    if (!row) o.set(c, (row = new Map()));
    row.set(k, (row.get(k) ?? 0) + w);
  };
  for (const unit of data) {
    const values = unit.filter((v): v is string => v !== undefined);
    const m = values.length;
    if (m < 2) continue;
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) if (i !== j) add(values[i] as string, values[j] as string, 1 / (m - 1));
  }
  const nc = new Map<string, number>();
  let n = 0;
  let disagreeObserved = 0;
  for (const [c, row] of o) {
    for (const [k, w] of row) {
      nc.set(c, (nc.get(c) ?? 0) + w);
      n += w;
      if (c !== k) disagreeObserved += w;
    }
  }
  if (n <= 1) return { alpha: 0, observedDisagreement: 0, expectedDisagreement: 0, pairableValues: n };
  let sumSq = 0;
  for (const v of nc.values()) sumSq += v * v;
  const observedDisagreement = disagreeObserved / n;
  const expectedDisagreement = (n * n - sumSq) / (n * (n - 1));
  const alpha = expectedDisagreement === 0 ? (observedDisagreement === 0 ? 1 : 0) : 1 - observedDisagreement / expectedDisagreement;
  return { alpha, observedDisagreement, expectedDisagreement, pairableValues: n };
}
