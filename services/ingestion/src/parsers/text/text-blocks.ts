import { readLines, type LineReaderOptions, type TextLine } from './line-reader';
import { malformedFile } from './malformed-file';

/**
 * Groups decoded lines into blank-line separated blocks (subtitle cues),
 * streaming; a block over `maxBlockBytes` fails naming its first line.
 */
export async function* readBlocks(bytes: AsyncIterable<Uint8Array>, o: LineReaderOptions & { maxBlockBytes: number }): AsyncGenerator<TextLine[]> {
  let block: TextLine[] = [];
  let size = 0;
  for await (const line of readLines(bytes, o)) {
    if (line.text.trim() === '') {
      if (block.length > 0) yield block;
      block = [];
      size = 0;
      continue;
    }
    size += Buffer.byteLength(line.text) + 1;
    const first = block[0] ?? line;
    if (size > o.maxBlockBytes) throw malformedFile(o.file, { line: first.line, byteOffset: first.byteOffset }, `a block of text longer than ${o.maxBlockBytes} bytes`, 'RECORD_TOO_LARGE');
    block.push(line);
  }
  if (block.length > 0) yield block;
}
