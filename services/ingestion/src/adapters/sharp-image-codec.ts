import type sharpType from 'sharp';
import type { ImageCodec } from '../domain/cleaning/image-codec';

export interface SharpImageCodecOptions {
  /** sharp, passed in so the worker owns its loading (lazily, with the binary parsers). */
  sharp: typeof sharpType;
  /** Decompression-bomb guard, as the image parser's; default 100 megapixels. */
  maxPixels?: number;
}

/** The image normalisation step's codec on sharp (libvips). */
export function createSharpImageCodec(options: SharpImageCodecOptions): ImageCodec {
  const limitInputPixels = options.maxPixels ?? 100_000_000;
  return {
    async decode(bytes, { maxSidePx, grayscale }) {
      const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      // EXIF orientation first, so the result is the picture a person sees; alpha flattened away.
      let pipeline = options.sharp(input, { limitInputPixels }).rotate().removeAlpha();
      if (maxSidePx > 0) pipeline = pipeline.resize(maxSidePx, maxSidePx, { fit: 'inside', withoutEnlargement: true });
      pipeline = grayscale ? pipeline.toColourspace('b-w') : pipeline.toColourspace('srgb');
      const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
      const channels = grayscale ? 1 : 3;
      if (info.channels === channels) return { pixels: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels };
      // sharp may hand back more bands than asked (b-w of a 3-band input): keep the first `channels`.
      const pixels = new Uint8Array(info.width * info.height * channels);
      for (let p = 0; p < info.width * info.height; p++) {
        for (let c = 0; c < channels; c++) pixels[p * channels + c] = data[p * info.channels + c] ?? 0;
      }
      return { pixels, width: info.width, height: info.height, channels };
    },
    async encodePng(image) {
      const png = await options
        .sharp(Buffer.from(image.pixels.buffer, image.pixels.byteOffset, image.pixels.byteLength), {
          raw: { width: image.width, height: image.height, channels: image.channels },
        })
        // Without it libvips writes a 1-band raw input as an RGB PNG.
        .toColourspace(image.channels === 1 ? 'b-w' : 'srgb')
        .png()
        .toBuffer();
      return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
    },
  };
}
