import type { FileSource, ParsedRecord } from '../../domain/record';
import { readLines, type TextLine } from './line-reader';
import { malformedFile } from './malformed-file';
import { resolveLimits } from './text-limits';
import type { TextOptions } from './text-options';
import { openText } from './text-source';

const ATX_HEADING = /^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const FENCE = /^ {0,3}(```|~~~)/;

interface Flavour {
  contentType: 'text/plain' | 'text/markdown';
  markdown: boolean;
}

async function* parseLines(src: FileSource, options: TextOptions, flavour: Flavour, signal?: AbortSignal): AsyncGenerator<ParsedRecord> {
  const limits = resolveLimits(options);
  const split = options.split ?? 'file';
  const text = await openText(src, options.encoding, signal);
  const lines = readLines(text.bytes, { file: src.name, encoding: text.encoding, startOffset: text.bomBytes, maxLineBytes: limits.maxLineBytes, signal });

  let section: string | undefined;
  let inFence = false;
  let block: TextLine[] = [];
  let blockBytes = 0;
  const record = (data: string, first: TextLine, last: TextLine): ParsedRecord => {
    const metadata: Record<string, string> = { encoding: text.encoding };
    if (last.line !== first.line) metadata['end_line'] = String(last.line);
    if (section !== undefined && split !== 'file') metadata['section'] = section;
    return { modality: 'text', contentType: flavour.contentType, data, metadata, position: { line: first.line, byteOffset: first.byteOffset } };
  };
  const flush = (): ParsedRecord | undefined => {
    const first = block[0];
    const last = block[block.length - 1];
    const out = first && last ? record(block.map((l) => l.text).join('\n'), first, last) : undefined;
    block = [];
    blockBytes = 0;
    return out;
  };

  for await (const line of lines) {
    const blank = line.text.trim() === '';
    const fence = flavour.markdown && FENCE.test(line.text);
    const heading = flavour.markdown && !inFence && !fence ? ATX_HEADING.exec(line.text) : null;
    if (fence) inFence = !inFence;
    if (split === 'line') {
      if (heading) section = heading[1];
      if (!blank) yield record(line.text, line, line);
      continue;
    }
    if (split === 'paragraph' && blank && !inFence) {
      const out = flush();
      if (out) yield out;
      continue;
    }
    // A paragraph's section is the heading above it; a heading paragraph is its own section.
    if (heading && block.length === 0) section = heading[1];
    // Leading blank lines of a whole file are not part of its text.
    if (block.length === 0 && blank) continue;
    blockBytes += Buffer.byteLength(line.text) + 1;
    if (blockBytes > limits.maxRecordBytes) {
      const first = block[0] ?? line;
      throw malformedFile(src.name, { line: first.line, byteOffset: first.byteOffset }, `a ${split === 'file' ? 'file' : 'paragraph'} longer than ${limits.maxRecordBytes} bytes; split it by line or paragraph`, 'RECORD_TOO_LARGE');
    }
    block.push(line);
  }
  // Trailing blank lines of a whole file are not part of its text either.
  while (block.length > 0 && block[block.length - 1]?.text.trim() === '') block.pop();
  const out = flush();
  if (out) yield out;
}

/**
 * Plain text: one record per file (default), per non-blank line, or per
 * blank-line separated paragraph, streamed (memory bounded by the longest
 * line, or by the record for `file`/`paragraph`). Each record's position is
 * its first line and that line's byte offset; metadata `encoding` names the
 * decoding used, `end_line` the last line of a multi-line record. Line breaks
 * come out as `\n`.
 */
export function parseText(src: FileSource, options: TextOptions = {}, signal?: AbortSignal): AsyncIterable<ParsedRecord> {
  return parseLines(src, options, { contentType: 'text/plain', markdown: false }, signal);
}

/**
 * Markdown, split like `parseText` (the markup is kept: cleaning strips it if
 * asked), with metadata `section` = the nearest ATX heading above a line or
 * paragraph; blank lines inside a fenced code block do not end a paragraph.
 */
export function parseMarkdown(src: FileSource, options: TextOptions = {}, signal?: AbortSignal): AsyncIterable<ParsedRecord> {
  return parseLines(src, options, { contentType: 'text/markdown', markdown: true }, signal);
}
