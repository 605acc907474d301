import type { FileSource, ParsedRecord } from '../../domain/record';
import type { JsonOptions } from './json-options';
import { lineAndColumn, locateJsonError } from './json-error-locator';
import { JsonRecordFault, jsonRecord } from './json-record';
import { malformedFile } from './malformed-file';
import { resolveLimits } from './text-limits';
import { detectEncoding } from './text-encoding';

/**
 * A JSON file holding one object (one record) or an array of objects (one
 * record each, position `row` = 1-based index). JSON has no streaming form
 * that `JSON.parse` reads, so the file is read whole, up to `maxFileBytes`
 * (use JSONL for big data). A syntax error fails naming the line, column and
 * byte offset; an element that is not an object fails naming its row, or is
 * reported to `onBadRecord` and skipped.
 */
export async function* parseJson(src: FileSource, options: JsonOptions = {}, signal?: AbortSignal): AsyncGenerator<ParsedRecord> {
  const { maxFileBytes } = resolveLimits(options);
  if (src.sizeBytes !== undefined && src.sizeBytes > maxFileBytes) {
    throw malformedFile(src.name, {}, `a JSON file larger than ${maxFileBytes} bytes; split it into JSONL`, 'FILE_TOO_LARGE');
  }
  const bytes = await src.readAll(maxFileBytes);
  signal?.throwIfAborted();
  const { encoding, bomBytes } = detectEncoding(src.name, bytes, true, options.encoding);
  let text: string;
  try {
    text = new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes.subarray(bomBytes));
  } catch (err) {
    throw malformedFile(src.name, {}, `bytes that are not valid ${encoding}`, 'INVALID_ENCODING', err);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const fault = locateJsonError(text);
    const { line, column } = lineAndColumn(text, fault.offset);
    const byteOffset = bomBytes + (encoding === 'utf-8' ? Buffer.byteLength(text.slice(0, fault.offset)) : 0);
    const position = encoding === 'utf-8' ? { line, byteOffset } : { line };
    throw malformedFile(src.name, position, `${fault.problem} at column ${column}`, 'INVALID_JSON', err);
  }
  const elements = Array.isArray(value) ? value : [value];
  for (let i = 0; i < elements.length; i++) {
    signal?.throwIfAborted();
    const result = jsonRecord(elements[i], options, { row: i + 1 });
    if (!(result instanceof JsonRecordFault)) {
      yield result;
      continue;
    }
    const problem = Array.isArray(value) ? result.problem : `${result.problem}; a JSON file holds one object or an array of objects`;
    const error = malformedFile(src.name, { row: i + 1 }, problem, result.reason);
    if (!options.onBadRecord || !Array.isArray(value)) throw error;
    options.onBadRecord(error);
  }
}
