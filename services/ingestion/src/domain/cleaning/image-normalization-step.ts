import { errors } from '@l1g1/kit';
import type { AsyncCleaningStep } from './cleaning-step';
import { equalizeHistogram } from './histogram-equalization';
import type { ImageCodec } from './image-codec';
import { StepReportBuilder } from './step-report-builder';

/** Largest `max_side_px` accepted: beyond it a "resize" would not bound anything. */
export const MAX_IMAGE_SIDE_PX = 16_384;

export interface ImageNormalizationOptions {
  /** Longest side after resizing, aspect kept, never enlarged; 0: no resize. */
  maxSidePx: number;
  grayscale: boolean;
  /** Global histogram equalisation of the grey channel; requires `grayscale`. */
  equalizeHistogram: boolean;
}

/** Refuses options the step cannot honour: INVALID_ARGUMENT naming `<field>.<option>`. */
export function checkImageNormalization(options: ImageNormalizationOptions, field: string): void {
  if (!Number.isInteger(options.maxSidePx) || options.maxSidePx < 0 || options.maxSidePx > MAX_IMAGE_SIDE_PX) {
    throw errors.invalidArgument(`${field}.max_side_px`, `must be an integer in [0, ${MAX_IMAGE_SIDE_PX}] (0: no resize)`);
  }
  if (options.equalizeHistogram && !options.grayscale) {
    // One documented choice: equalising RGB channels separately shifts hues, so colour images are refused.
    throw errors.invalidArgument(`${field}.equalize_histogram`, 'equalises the grey channel: set grayscale too');
  }
}

/** Whether the options change anything at all (no step is added otherwise). */
export function imageNormalizationIsActive(options: ImageNormalizationOptions): boolean {
  return options.maxSidePx > 0 || options.grayscale || options.equalizeHistogram;
}

/**
 * The `image_normalization` step: image records (PNG, JPEG, WebP) are
 * resized (longest side ≤ `maxSidePx`, aspect kept), turned grey and
 * equalised on request, and always re-encoded as PNG, so the content id and
 * exact dedupe see the normalised picture. Other records pass untouched
 * (counted as `passed_through`). An image the codec cannot decode is kept
 * as it came and counted (`undecodable`): the parser already accepted it,
 * so dropping it here would lose data silently.
 */
export function createImageNormalizationStep(options: ImageNormalizationOptions, codec: ImageCodec): AsyncCleaningStep {
  checkImageNormalization(options, 'image');
  const builder = new StepReportBuilder('image_normalization');
  return {
    name: 'image_normalization',
    async apply(record, context) {
      if (record.modality !== 'image' || typeof record.data === 'string') {
        builder.count('passed_through');
        builder.recordKept(false);
        return { kind: 'kept', record };
      }
      let image;
      try {
        image = await codec.decode(record.data, { maxSidePx: options.maxSidePx, grayscale: options.grayscale });
      } catch {
        builder.count('undecodable');
        builder.recordKept(false);
        return { kind: 'kept', record };
      }
      const before = `${record.metadata['width'] ?? '?'}×${record.metadata['height'] ?? '?'}`;
      const resized = String(image.width) !== record.metadata['width'] || String(image.height) !== record.metadata['height'];
      if (resized) builder.count('resized');
      if (options.grayscale) builder.count('grayscale');
      if (options.equalizeHistogram && image.channels === 1) {
        image = { ...image, pixels: equalizeHistogram(image.pixels) };
        builder.count('equalized');
      }
      const png = await codec.encodePng(image);
      const after = `${image.width}×${image.height}${options.grayscale ? ', grey' : ''}${options.equalizeHistogram ? ', equalised' : ''}, png`;
      builder.recordKept(true);
      builder.example(record, context, { reason: 'changed', before, after });
      const metadata: Record<string, string> = {
        ...record.metadata,
        format: 'png',
        width: String(image.width),
        height: String(image.height),
        channels: String(image.channels),
        has_alpha: 'false',
        original_width: record.metadata['width'] ?? '',
        original_height: record.metadata['height'] ?? '',
        original_format: record.metadata['format'] ?? '',
      };
      if (options.grayscale) metadata['color_space'] = 'b-w';
      return { kind: 'kept', record: { ...record, contentType: 'image/png', data: png, metadata } };
    },
    report: () => builder.build(),
  };
}
