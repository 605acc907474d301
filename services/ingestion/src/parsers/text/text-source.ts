import type { FileSource } from '../../domain/record';
import { detectEncoding, type DetectedEncoding } from './text-encoding';

/** A text file opened for streaming: its encoding and its bytes after any byte-order mark. */
export interface OpenedText extends DetectedEncoding {
  /** The file's bytes after the BOM, streamed once; byte `k` here is byte `bomBytes + k` of the file. */
  bytes: AsyncIterable<Uint8Array>;
}

/** How much of a file's start is looked at to decide its encoding. */
export const ENCODING_SAMPLE_BYTES = 64 * 1024;

/**
 * Opens a file as text without reading it whole: the first chunks (up to
 * `ENCODING_SAMPLE_BYTES`) decide the encoding, then are replayed ahead of
 * the rest of the stream. `sniff` may read a declaration from the sample
 * (an HTML `<meta charset>`) used when the caller declared none.
 */
export async function openText(src: FileSource, declaredEncoding?: string, signal?: AbortSignal, sniff?: (sample: Uint8Array) => string | undefined): Promise<OpenedText> {
  const iterator = src.stream()[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let headBytes = 0;
  let done = false;
  while (headBytes < ENCODING_SAMPLE_BYTES) {
    signal?.throwIfAborted();
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    head.push(next.value);
    headBytes += next.value.byteLength;
  }
  const sample = Buffer.concat(head);
  let detected: DetectedEncoding;
  try {
    const declared = declaredEncoding?.trim() ? declaredEncoding : sniff?.(sample);
    detected = detectEncoding(src.name, sample.subarray(0, ENCODING_SAMPLE_BYTES), done && sample.length <= ENCODING_SAMPLE_BYTES, declared);
  } catch (err) {
    await iterator.return?.();
    throw err;
  }
  async function* bytes(): AsyncIterable<Uint8Array> {
    let finished = done;
    try {
      const first = sample.subarray(detected.bomBytes);
      if (first.byteLength > 0) yield first;
      while (!finished) {
        signal?.throwIfAborted();
        const next = await iterator.next();
        if (next.done) finished = true;
        else yield next.value;
      }
    } finally {
      // A parser that stops early (a bad row, a consumer that breaks) must close the file.
      if (!finished) await iterator.return?.();
    }
  }
  return { ...detected, bytes: bytes() };
}
