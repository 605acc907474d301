import type sharpType from 'sharp';
import type { Metadata, Sharp } from 'sharp';
import type { FileSource, ParsedRecord } from '../../domain/record';
import { libraryDetail, malformedFile } from './malformed-file';

/** A normalised tensor: float32 in [0, 1], HWC, resized to exactly `width` × `height`. */
export interface ImageTensorOptions {
  width: number;
  height: number;
  /** 1 (grayscale) or 3 (RGB, alpha dropped); default 3. */
  channels?: 1 | 3;
}

export interface ImageOptions {
  /** Refuse files larger than this. */
  maxBytes: number;
  /** Refuse images with more pixels than this (a decompression bomb guard; default 100 megapixels). */
  maxPixels?: number;
  /**
   * When > 0, an image whose longer side exceeds it is resized (aspect kept)
   * and re-encoded in its own format; `original_width`/`original_height` keep
   * the file's size. The proto's `ImageOptions.max_side_px`.
   */
  maxSidePx?: number;
  /** When set, `fields.tensor` (Float32Array) and `fields.tensor_shape` ([h, w, c]) are added. */
  tensor?: ImageTensorOptions;
  /** sharp, passed in so the caller owns its concurrency and cache settings. */
  sharp: typeof sharpType;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
};

/**
 * PNG / JPEG / WebP → one `image` record: the file's bytes as they are, its
 * width, height, channels and format in metadata, and on request a normalised
 * tensor for a model's input.
 */
export async function* parseImage(src: FileSource, options: ImageOptions, signal?: AbortSignal): AsyncIterable<ParsedRecord> {
  const bytes = await src.readAll(options.maxBytes);
  signal?.throwIfAborted();
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const limitInputPixels = options.maxPixels ?? 100_000_000;
  let info: Metadata;
  try {
    // Headers only, nothing decoded: the pixel limit is checked below, so a big image
    // is FILE_TOO_LARGE rather than sharp's own refusal looking like a corrupt file.
    info = await options.sharp(input, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw malformedFile(src.name, `not a readable image (${libraryDetail(err)})`, { byteOffset: 0 }, { cause: err });
  }
  const contentType = info.format ? CONTENT_TYPES[info.format] : undefined;
  if (!contentType || !info.width || !info.height) {
    throw malformedFile(src.name, `image format ${info.format ?? 'unknown'} is not PNG, JPEG or WebP`, {}, { reason: 'UNSUPPORTED_FORMAT' });
  }
  if (info.width * info.height > limitInputPixels) {
    throw malformedFile(src.name, `${info.width}×${info.height} pixels exceed the limit of ${limitInputPixels}`, {}, { reason: 'FILE_TOO_LARGE' });
  }
  const metadata: Record<string, string> = {
    format: info.format ?? '',
    width: String(info.width),
    height: String(info.height),
    channels: String(info.channels ?? 0),
    has_alpha: String(info.hasAlpha ?? false),
  };
  if (info.space) metadata.color_space = info.space;
  let data = bytes;
  const maxSidePx = options.maxSidePx ?? 0;
  if (maxSidePx > 0 && Math.max(info.width, info.height) > maxSidePx) {
    signal?.throwIfAborted();
    try {
      const resized = await options
        .sharp(input, { limitInputPixels })
        .rotate()
        .resize(maxSidePx, maxSidePx, { fit: 'inside', withoutEnlargement: true })
        .toFormat(info.format as 'png' | 'jpeg' | 'webp') // one of CONTENT_TYPES' keys, checked above
        .toBuffer({ resolveWithObject: true });
      data = new Uint8Array(resized.data.buffer, resized.data.byteOffset, resized.data.byteLength);
      metadata.original_width = metadata.width ?? '';
      metadata.original_height = metadata.height ?? '';
      metadata.width = String(resized.info.width);
      metadata.height = String(resized.info.height);
    } catch (err) {
      throw malformedFile(src.name, `image data is corrupt (${libraryDetail(err)})`, {}, { cause: err });
    }
  }
  const fields: Record<string, unknown> = {};
  if (options.tensor) {
    signal?.throwIfAborted();
    try {
      Object.assign(fields, await tensorOf(options.sharp(input, { limitInputPixels }), options.tensor));
    } catch (err) {
      throw malformedFile(src.name, `image data is corrupt (${libraryDetail(err)})`, {}, { cause: err });
    }
  }
  yield {
    modality: 'image',
    contentType,
    data,
    metadata,
    ...(options.tensor ? { fields } : {}),
    position: {},
  };
}

async function tensorOf(image: Sharp, tensor: ImageTensorOptions): Promise<Record<string, unknown>> {
  const channels = tensor.channels ?? 3;
  // EXIF orientation first, so the tensor is the picture a person sees.
  let pipeline = image.rotate().resize(tensor.width, tensor.height, { fit: 'fill' }).removeAlpha();
  pipeline = channels === 1 ? pipeline.toColourspace('b-w') : pipeline.toColourspace('srgb');
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  const values = new Float32Array(info.width * info.height * channels);
  // sharp may hand back more channels than asked (b-w of a 3-band input): take the first `channels`.
  for (let p = 0; p < info.width * info.height; p++) {
    for (let c = 0; c < channels; c++) values[p * channels + c] = (data[p * info.channels + c] ?? 0) / 255;
  }
  return { tensor: values, tensor_shape: [info.height, info.width, channels] };
}
