import { isUtf8 } from 'node:buffer';
import { malformedFile } from './malformed-file';

/** One line of a text file, decoded, without its line break. */
export interface TextLine {
  text: string;
  /** 1-based. */
  line: number;
  /** Offset of the line's first byte in the file. */
  byteOffset: number;
}

export interface LineReaderOptions {
  file: string;
  /** WHATWG encoding name (see `detectEncoding`). */
  encoding: string;
  /** File offset of the first byte of `bytes` (the BOM length). */
  startOffset: number;
  maxLineBytes: number;
  signal?: AbortSignal;
}

/** Bytes of input decoded per batch of lines (even, so a UTF-16 unit is never split by the slicing alone). */
const SLICE_BYTES = 64 * 1024;

/** Finds the next line feed at or after `from`, in units of the encoding's width. */
function findLineFeed(buf: Buffer, from: number, encoding: string): number {
  if (encoding === 'utf-16le' || encoding === 'utf-16be') {
    // A UTF-16 line feed is one 2-byte unit; the buffer always starts on a unit boundary.
    const lfAt = encoding === 'utf-16le' ? 0 : 1;
    for (let i = from; i + 1 < buf.length; i += 2) {
      if (buf[i + lfAt] === 0x0a && buf[i + 1 - lfAt] === 0x00) return i;
    }
    return -1;
  }
  // UTF-8 and the legacy encodings we decode (GBK, Shift-JIS, EUC, Big5, Latin-1) never use byte 0x0A inside a character.
  return buf.indexOf(0x0a, from);
}

/**
 * Splits a byte stream into decoded lines (LF or CRLF), streaming: memory is
 * bounded by `maxLineBytes` plus one chunk. Bytes that are not valid in the
 * encoding fail the file (INVALID_ENCODING, naming the line) instead of
 * becoming U+FFFD: a parser must never mangle text silently. Lines come in
 * batches (those completed by one chunk) so that hot loops (JSONL) pay one
 * async step per chunk rather than per line.
 */
export async function* readLineBatches(bytes: AsyncIterable<Uint8Array>, o: LineReaderOptions): AsyncGenerator<TextLine[]> {
  const decoder = new TextDecoder(o.encoding, { fatal: true, ignoreBOM: true });
  const unit = o.encoding.startsWith('utf-16') ? 2 : 1;
  const utf8 = o.encoding === 'utf-8';
  let line = 1;
  let offset = o.startOffset;
  const invalid = (at: number, byteOffset: number, err: unknown) =>
    malformedFile(o.file, { line: at, byteOffset }, `bytes that are not valid ${o.encoding}`, 'INVALID_ENCODING', err);
  const tooLong = () => malformedFile(o.file, { line, byteOffset: offset }, `line longer than ${o.maxLineBytes} bytes`, 'LINE_TOO_LONG');
  const strip = (text: string) => (text.endsWith('\r') ? text.slice(0, -1) : text);
  /** Decodes the complete lines buf[0, end) (ends = each line's LF position) in one call; per line only to name a bad one. */
  const decodeLines = (buf: Buffer, ends: number[]): TextLine[] => {
    const out: TextLine[] = [];
    let texts: string[] | undefined;
    const last = ends[ends.length - 1] ?? 0;
    try {
      // A line feed byte (unit) is a line feed character in every encoding read here, so the split lines up with `ends`.
      // UTF-8, the common case: simdutf validation + Buffer's decoder are several times faster than a fatal
      // TextDecoder (ICU) and give the same text for valid bytes; invalid bytes fall through to name the line.
      if (utf8) texts = isUtf8(buf.subarray(0, last)) ? buf.toString('utf8', 0, last).split('\n') : undefined;
      else texts = decoder.decode(buf.subarray(0, last)).split('\n');
    } catch {
      texts = undefined;
    }
    let start = 0;
    ends.forEach((end, i) => {
      let text = texts?.[i];
      if (text === undefined) {
        try {
          text = decoder.decode(buf.subarray(start, end));
        } catch (err) {
          throw invalid(line, offset, err);
        }
      }
      out.push({ text: strip(text), line, byteOffset: offset });
      offset += end + unit - start;
      line += 1;
      start = end + unit;
    });
    return out;
  };
  let buf: Buffer = Buffer.alloc(0);
  for await (const chunk of bytes) {
    o.signal?.throwIfAborted();
    const whole = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    // A source may hand over megabytes at once (a 1 MiB file read, a 4 MiB gRPC message): in slices, a
    // batch holds a few hundred lines, so peak memory follows SLICE_BYTES instead of the source's chunking.
    for (let at = 0; at < whole.length; at += SLICE_BYTES) {
      const data = whole.subarray(at, at + SLICE_BYTES);
      buf = buf.length === 0 ? data : Buffer.concat([buf, data]);
      const ends: number[] = [];
      let start = 0;
      for (;;) {
        const lf = findLineFeed(buf, start, o.encoding);
        if (lf < 0) break;
        if (lf - start > o.maxLineBytes) {
          // Name the long line itself: decode (and so count) the lines before it first.
          decodeLines(buf, ends);
          throw tooLong();
        }
        ends.push(lf);
        start = lf + unit;
      }
      if (ends.length > 0) yield decodeLines(buf, ends);
      buf = buf.subarray(start);
      if (buf.length > o.maxLineBytes) throw tooLong();
    }
  }
  if (buf.length > 0) {
    let text: string;
    try {
      text = decoder.decode(buf);
    } catch (err) {
      throw invalid(line, offset, err);
    }
    yield [{ text: strip(text), line, byteOffset: offset }];
  }
}

/** `readLineBatches`, one line at a time. */
export async function* readLines(bytes: AsyncIterable<Uint8Array>, o: LineReaderOptions): AsyncGenerator<TextLine> {
  for await (const batch of readLineBatches(bytes, o)) yield* batch;
}
