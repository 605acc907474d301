/**
 * Global histogram equalisation of an 8-bit grey channel, by the classic
 * CDF mapping (Gonzalez & Woods, "Digital Image Processing", 3.3.1):
 *
 *   v' = round((cdf(v) - cdf_min) / (N - cdf_min) × 255)
 *
 * where `cdf(v)` counts pixels ≤ v, `cdf_min` is the count at the darkest
 * level present and N the pixel count. The darkest level present becomes 0
 * and the brightest 255, so a low-contrast picture spreads over the whole
 * range. An image of one level only (N = cdf_min) has nothing to spread and
 * comes back unchanged. Written by hand: it is a dozen lines, and sharp's
 * `normalise()` is a percentile stretch, not an equalisation.
 */

/** The 256-entry lookup table that equalises `grey` (one byte per pixel). */
export function equalizationTable(grey: Uint8Array): Uint8Array {
  const histogram = new Uint32Array(256);
  for (const v of grey) histogram[v] = (histogram[v] ?? 0) + 1;
  const table = new Uint8Array(256);
  const total = grey.length;
  let cdf = 0;
  let cdfMin = -1;
  for (let v = 0; v < 256; v++) {
    cdf += histogram[v] ?? 0;
    if (cdfMin < 0 && cdf > 0) cdfMin = cdf;
    table[v] = v;
    if (cdfMin >= 0 && total > cdfMin) table[v] = Math.round(((cdf - cdfMin) / (total - cdfMin)) * 255);
  }
  return table;
}

/** A new grey channel, equalised (the input is left as it is). */
export function equalizeHistogram(grey: Uint8Array): Uint8Array {
  const table = equalizationTable(grey);
  const out = new Uint8Array(grey.length);
  for (let i = 0; i < grey.length; i++) out[i] = table[grey[i] ?? 0] ?? 0;
  return out;
}
