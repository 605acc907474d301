/**
 * The q-th quantile (0..1) of `values` with linear interpolation between
 * closest ranks: numpy's default (`np.percentile(..., method="linear")`).
 * Sorts a copy.
 */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new RangeError('percentile of no values');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`q must be within [0, 1], got ${q}`);
  const sorted = Float64Array.from(values).sort();
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (b - a) * (pos - lo);
}
