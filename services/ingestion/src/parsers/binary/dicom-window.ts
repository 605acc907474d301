/** A VOI LUT window on modality values (after rescale slope/intercept). */
export interface DicomWindow {
  center: number;
  width: number;
}

export interface WindowInput {
  /** Stored pixel values (signed or unsigned as the file says). */
  stored: ArrayLike<number>;
  rescaleSlope: number;
  rescaleIntercept: number;
  window: DicomWindow;
  /** MONOCHROME1: the lowest value is white, so the output is inverted. */
  invert?: boolean;
}

/**
 * Stored pixels → 8-bit grayscale, as DICOM PS3.3 C.11.2.1.2.1 (the "linear"
 * VOI LUT function) defines it: modality value m = stored × slope + intercept;
 * m ≤ c − 0.5 − (w − 1)/2 → 0; m > c − 0.5 + (w − 1)/2 → 255; otherwise
 * ((m − (c − 0.5)) / (w − 1) + 0.5) × 255, rounded. This is the product's own
 * rule (no library exposes it without a canvas), hence written here.
 */
export function windowTo8Bit(input: WindowInput): Uint8Array {
  const { center: c, width } = input.window;
  // The standard requires w ≥ 1; a width of exactly 1 is a hard threshold.
  const w = Math.max(1, width);
  const low = c - 0.5 - (w - 1) / 2;
  const high = c - 0.5 + (w - 1) / 2;
  const out = new Uint8Array(input.stored.length);
  for (let i = 0; i < input.stored.length; i++) {
    const m = (input.stored[i] ?? 0) * input.rescaleSlope + input.rescaleIntercept;
    let y: number;
    if (m <= low) y = 0;
    else if (m > high) y = 255;
    else y = w === 1 ? 255 : Math.round(((m - (c - 0.5)) / (w - 1) + 0.5) * 255);
    out[i] = input.invert ? 255 - y : y;
  }
  return out;
}

/** No window in the file nor the options: span the image's own modality range. */
export function fullRangeWindow(stored: ArrayLike<number>, slope: number, intercept: number): DicomWindow {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < stored.length; i++) {
    const m = (stored[i] ?? 0) * slope + intercept;
    if (m < min) min = m;
    if (m > max) max = m;
  }
  if (!Number.isFinite(min)) return { center: 0, width: 1 };
  return { center: (min + max + 1) / 2, width: Math.max(1, max - min + 1) };
}
