import { errors } from '@l1g1/kit';
import { PNG } from 'pngjs';
import type { RecordInput } from './record-input';

/** The input shape a CNN takes, channels last (tfjs's NHWC without the batch). */
export interface ImageShape {
  height: number;
  width: number;
  /** 1 (grey) or 3 (RGB). */
  channels: 1 | 3;
}

/** Pixels per side an image record may have: a bound on the work one record can ask for. */
export const MAX_IMAGE_SIDE = 4096;

function dimension(record: RecordInput, key: string, at: string): number {
  const raw = record.metadata[key];
  const value = raw === undefined ? Number.NaN : Number(raw);
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_IMAGE_SIDE) {
    throw errors.invalidArgument(`${at}.metadata.${key}`, `an image record needs metadata "${key}" in [1, ${MAX_IMAGE_SIDE}], got ${raw === undefined ? 'none' : JSON.stringify(raw)}`);
  }
  return value;
}

/**
 * A record's image as the spec's input: float32 `[height, width, channels]` in [0, 1].
 *
 * Record layouts: a PNG file (metadata `format: png`, as the ingestion image parser stores it),
 * or raw 8-bit pixels, row-major, channels last (`height × width × channels` bytes) with
 * metadata `width`, `height` and `channels` (1, 3 or 4) and `format` absent or `raw`. Alpha is
 * dropped. JPEG and WebP are refused: they would need sharp's async pipeline, which belongs to
 * the ingestion service — ingest them as raw pixels instead.
 * Grey → RGB repeats the channel; RGB → grey takes ITU-R BT.601 luma; a size other than the
 * spec's is resized bilinearly (corners aligned, as tfjs's `resizeBilinear(alignCorners)`).
 *
 * @throws INVALID_ARGUMENT naming `records[index].data` or `records[index].metadata.<key>` for a
 *   record that is not such an image.
 */
export function imagePixels(record: RecordInput, shape: ImageShape, index: number): Float32Array {
  const at = `records[${index}]`;
  const { source, width, height, channels } = record.metadata.format === 'png' ? decodePng(record, at) : rawImage(record, at);
  // Channel conversion first, at the source size: out[p * c + k] in [0, 1].
  const converted = new Float32Array(width * height * shape.channels);
  for (let p = 0; p < width * height; p++) {
    const r = (source[p * channels] as number) / 255;
    if (shape.channels === 1) {
      converted[p] = channels === 1 ? r : 0.299 * r + (0.587 * (source[p * channels + 1] as number)) / 255 + (0.114 * (source[p * channels + 2] as number)) / 255;
    } else {
      for (let k = 0; k < 3; k++) converted[p * 3 + k] = channels === 1 ? r : (source[p * channels + k] as number) / 255;
    }
  }
  return width === shape.width && height === shape.height ? converted : resizeBilinear(converted, width, height, shape);
}

interface DecodedImage {
  source: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

function rawImage(record: RecordInput, at: string): DecodedImage {
  const format = record.metadata.format;
  if (format !== undefined && format !== 'raw') {
    throw errors.invalidArgument(`${at}.metadata.format`, `"${format}" images are not decoded by the trainer; store PNG or raw 8-bit pixels (format "raw") with width, height and channels`);
  }
  if (typeof record.data === 'string') throw errors.invalidArgument(`${at}.data`, 'an image record holds bytes, not text');
  const width = dimension(record, 'width', at);
  const height = dimension(record, 'height', at);
  const channels = dimension(record, 'channels', at);
  if (channels !== 1 && channels !== 3 && channels !== 4) throw errors.invalidArgument(`${at}.metadata.channels`, `must be 1, 3 or 4, got ${channels}`);
  if (record.data.length !== width * height * channels) {
    throw errors.invalidArgument(`${at}.data`, `holds ${record.data.length} bytes; ${height}×${width}×${channels} raw pixels are ${width * height * channels}`);
  }
  return { source: record.data, width, height, channels };
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * A PNG record (as the ingestion image parser stores it) decoded synchronously: featurize runs in
 * the trainer's worker thread, so a sync decode blocks no service loop. The header's size is
 * checked before any pixel is inflated (a decompression-bomb guard).
 */
function decodePng(record: RecordInput, at: string): DecodedImage {
  const bytes = record.data;
  if (typeof bytes === 'string' || bytes.length < 24 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) {
    throw errors.invalidArgument(`${at}.data`, 'metadata.format is "png" but the data is not a PNG file');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  if (width < 1 || height < 1 || width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE) {
    throw errors.invalidArgument(`${at}.data`, `a ${width}×${height} PNG; each side must be in [1, ${MAX_IMAGE_SIDE}]`);
  }
  try {
    // RGBA, 8 bits per channel whatever the file's colour type and depth (pngjs's default).
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return { source: png.data, width: png.width, height: png.height, channels: 4 };
  } catch (err) {
    throw errors.invalidArgument(`${at}.data`, 'the PNG file is corrupt', { cause: err });
  }
}

/** Bilinear resize with aligned corners of a `[h, w, c]` image. */
function resizeBilinear(src: Float32Array, width: number, height: number, to: ImageShape): Float32Array {
  const c = to.channels;
  const out = new Float32Array(to.height * to.width * c);
  const sy = to.height > 1 ? (height - 1) / (to.height - 1) : 0;
  const sx = to.width > 1 ? (width - 1) / (to.width - 1) : 0;
  for (let y = 0; y < to.height; y++) {
    const fy = y * sy;
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, height - 1);
    const dy = fy - y0;
    for (let x = 0; x < to.width; x++) {
      const fx = x * sx;
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, width - 1);
      const dx = fx - x0;
      for (let k = 0; k < c; k++) {
        const v = (yy: number, xx: number) => src[(yy * width + xx) * c + k] as number;
        const top = v(y0, x0) * (1 - dx) + v(y0, x1) * dx;
        const bottom = v(y1, x0) * (1 - dx) + v(y1, x1) * dx;
        out[(y * to.width + x) * c + k] = top * (1 - dy) + bottom * dy;
      }
    }
  }
  return out;
}
