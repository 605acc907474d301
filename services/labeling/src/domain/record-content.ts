/**
 * What a task's record offers the labels: its text (for spans and CoNLL
 * tokens) and its image size (for pixel exports), read from the record as
 * ingestion stores it (UTF-8 data; `width` / `height` metadata for images).
 */
import type { common } from '@l1g1/contracts';

const TEXTUAL = /^(text\/|application\/(json|x-ndjson|xml)|$)/;

/** The record's text, or undefined when it is not textual. */
export function recordText(record: common.Record): string | undefined {
  if (!TEXTUAL.test(record.contentType)) return undefined;
  return Buffer.from(record.data).toString('utf8');
}

function positiveInt(s: string | undefined): number {
  const n = Number(s);
  return Number.isInteger(n) && n > 0 && n < 1_000_000 ? n : 0;
}

/** Pixel size from metadata (`width`/`height`, or `image_width`/`image_height`); 0 when unknown. */
export function recordImageSize(record: common.Record): { width: number; height: number } {
  const m = record.metadata;
  return { width: positiveInt(m['width'] ?? m['image_width']), height: positiveInt(m['height'] ?? m['image_height']) };
}
