/**
 * What the image normalisation step needs from an image library, so the
 * domain stays free of sharp (the worker passes sharp's adapter in).
 */

/** Decoded pixels, row-major, `channels` interleaved bytes per pixel. */
export interface RawImage {
  readonly pixels: Uint8Array;
  readonly width: number;
  readonly height: number;
  /** 1 (grey) or 3 (RGB); alpha is dropped when decoding. */
  readonly channels: 1 | 3;
}

export interface ImageCodec {
  /**
   * Decodes `bytes` (PNG, JPEG, WebP), EXIF orientation applied, resized so
   * the longest side is at most `maxSidePx` (0: no resize; never enlarged),
   * as one grey channel when `grayscale`, else RGB.
   */
  decode(bytes: Uint8Array, options: { maxSidePx: number; grayscale: boolean }): Promise<RawImage>;
  /** Lossless PNG of the pixels. */
  encodePng(image: RawImage): Promise<Uint8Array>;
}
