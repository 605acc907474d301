import type { FileSource, ParsedRecord } from '../../domain/record';
import type { JsonOptions } from './json-options';
import { locateJsonError } from './json-error-locator';
import { JsonRecordFault, jsonRecord } from './json-record';
import { readLineBatches } from './line-reader';
import { malformedFile } from './malformed-file';
import { resolveLimits } from './text-limits';
import { openText } from './text-source';

/**
 * JSONL: one JSON object per line, streamed (memory bounded by the longest
 * line); blank lines are skipped. A line that is not valid JSON, not an
 * object, or lacks `dataField` fails the file naming its line, byte offset
 * and (for syntax errors) column, unless `onBadRecord` is given: then it is
 * reported there and skipped. Invalid bytes and over-long lines always fail
 * the file: what follows them cannot be trusted to be split right.
 */
export async function* parseJsonl(src: FileSource, options: JsonOptions = {}, signal?: AbortSignal): AsyncGenerator<ParsedRecord> {
  const limits = resolveLimits(options);
  const text = await openText(src, options.encoding, signal);
  const batches = readLineBatches(text.bytes, { file: src.name, encoding: text.encoding, startOffset: text.bomBytes, maxLineBytes: limits.maxLineBytes, signal });
  for await (const batch of batches) {
    for (const line of batch) {
      if (line.text.trim() === '') continue;
      const position = { line: line.line, byteOffset: line.byteOffset };
      let result: ParsedRecord | JsonRecordFault;
      try {
        result = jsonRecord(JSON.parse(line.text), options, position);
      } catch {
        // V8's text has no position for many faults; the located one has.
        const fault = locateJsonError(line.text);
        result = new JsonRecordFault('INVALID_JSON', `${fault.problem} at column ${fault.offset + 1}`);
      }
      if (!(result instanceof JsonRecordFault)) {
        yield result;
        continue;
      }
      const error = malformedFile(src.name, position, result.problem, result.reason);
      if (!options.onBadRecord) throw error;
      options.onBadRecord(error);
    }
  }
}
