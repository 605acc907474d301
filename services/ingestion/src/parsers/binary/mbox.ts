import type { FileSource, ParsedRecord } from '../../domain/record';
import { parseMail, type EmailOptions } from './email';
import { mailRecords } from './email-record';
import { malformedFile } from './malformed-file';

const NEWLINE = 0x0a;
const FROM_ = Buffer.from('From ', 'latin1');
const ESCAPED_FROM = /^>+From /;

interface PendingMessage {
  index: number;
  line: number;
  byteOffset: number;
  size: number;
  parts: Buffer[];
}

/**
 * An mbox file, streamed: messages are split on `From ` lines (at the start
 * of the file or after an empty line, so an unescaped "From " in a body does
 * not split a mail), `>From ` lines are unescaped (mboxrd), and each message
 * becomes the records of `parseEmail`, at most `maxBytes` of it held at once.
 * A mail's path is `<file>#message/<n>`; its position is its `From ` line.
 */
export async function* parseMbox(src: FileSource, options: EmailOptions, signal?: AbortSignal): AsyncIterable<ParsedRecord> {
  let current: PendingMessage | undefined;
  let previousBlank = true;
  let lineNumber = 0;
  let byteOffset = 0;
  let count = 0;

  const finish = async function* (message: PendingMessage): AsyncIterable<ParsedRecord> {
    const where = { line: message.line, byteOffset: message.byteOffset };
    // The empty line before the next `From ` belongs to the mbox framing, not to the mail.
    const last = message.parts[message.parts.length - 1];
    if (last && isBlank(last)) message.parts.pop();
    const mail = await parseMail(src.name, Buffer.concat(message.parts), where);
    yield* mailRecords(mail, `${src.name}#message/${message.index}`, where, options.records);
  };

  for await (const line of lines(src, options.maxBytes)) {
    signal?.throwIfAborted();
    lineNumber += 1;
    const isSeparator = previousBlank && startsWith(line, FROM_);
    if (isSeparator) {
      if (current) yield* finish(current);
      count += 1;
      current = { index: count, line: lineNumber, byteOffset, size: 0, parts: [] };
    } else if (!current) {
      if (line.toString('latin1').trim() !== '') {
        throw malformedFile(src.name, 'not an mbox: the first line is not a "From " separator', { line: lineNumber, byteOffset });
      }
    } else {
      const text = ESCAPED_FROM.test(line.toString('latin1', 0, Math.min(line.length, 64))) ? line.subarray(1) : line;
      current.size += text.length;
      if (current.size > options.maxBytes) {
        throw malformedFile(src.name, `message ${current.index} exceeds ${options.maxBytes} bytes`, {
          line: current.line,
          byteOffset: current.byteOffset,
        }, { reason: 'FILE_TOO_LARGE' });
      }
      current.parts.push(text);
    }
    previousBlank = isBlank(line);
    byteOffset += line.length;
  }
  if (current) yield* finish(current);
}

/** The file's lines, newline included, none longer than `maxLineBytes`. */
async function* lines(src: FileSource, maxLineBytes: number): AsyncIterable<Buffer> {
  let pending = Buffer.alloc(0);
  let offset = 0;
  for await (const chunk of src.stream()) {
    pending = pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([pending, chunk]);
    let start = 0;
    let nl: number;
    while ((nl = pending.indexOf(NEWLINE, start)) >= 0) {
      yield pending.subarray(start, nl + 1);
      start = nl + 1;
    }
    offset += start;
    pending = pending.subarray(start);
    if (pending.length > maxLineBytes) {
      throw malformedFile(src.name, `a line longer than ${maxLineBytes} bytes`, { byteOffset: offset }, { reason: 'FILE_TOO_LARGE' });
    }
  }
  if (pending.length > 0) yield pending;
}

function startsWith(line: Buffer, prefix: Buffer): boolean {
  return line.length >= prefix.length && line.subarray(0, prefix.length).equals(prefix);
}

function isBlank(line: Buffer): boolean {
  return line.length === 0 || (line.length === 1 && line[0] === NEWLINE) || (line.length === 2 && line[0] === 0x0d && line[1] === NEWLINE);
}
