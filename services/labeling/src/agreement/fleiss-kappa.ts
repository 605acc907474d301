/**
 * Fleiss' kappa for any number of annotators per unit (Fleiss 1971),
 * computed from the unit × category count table. Units may have different
 * numbers of ratings (at least 2): P_i uses each unit's own n_i and the
 * category shares p_j pool all ratings, which is Fleiss' formula when every
 * n_i is equal.
 */

export interface FleissResult {
  kappa: number;
  /** P̄: mean agreement per unit. */
  observed: number;
  /** P̄_e: chance agreement from the pooled category shares. */
  expected: number;
  units: number;
}

/** κ of `counts[unit][category]` = raters who put the unit in the category; units with fewer than 2 ratings are ignored. */
export function fleissKappa(counts: readonly (readonly number[])[]): FleissResult {
  const rows = counts.filter((r) => r.reduce((s, c) => s + c, 0) >= 2);
  const units = rows.length;
  if (units === 0) return { kappa: 0, observed: 0, expected: 0, units: 0 };
  const k = Math.max(...rows.map((r) => r.length));
  const totals = new Array<number>(k).fill(0);
  let all = 0;
  let sumP = 0;
  for (const r of rows) {
    const n = r.reduce((s, c) => s + c, 0);
    let agree = 0;
    r.forEach((c, j) => {
      agree += c * (c - 1);
      totals[j] = (totals[j] ?? 0) + c;
    });
    all += n;
    sumP += agree / (n * (n - 1));
  }
  const observed = sumP / units;
  const expected = totals.reduce((s, t) => s + (t / all) ** 2, 0);
  const kappa = expected === 1 ? (observed === 1 ? 1 : 0) : (observed - expected) / (1 - expected);
  return { kappa, observed, expected, units };
}

/** The count table of `ratings[unit]` (labels given to the unit) over `categories`. */
export function countTable(ratings: readonly (readonly string[])[], categories: readonly string[]): number[][] {
  const index = new Map(categories.map((c, i) => [c, i]));
  return ratings.map((r) => {
    const row = new Array<number>(categories.length).fill(0);
    for (const label of r) {
      const j = index.get(label);
      if (j !== undefined) row[j] = (row[j] ?? 0) + 1;
    }
    return row;
  });
}
