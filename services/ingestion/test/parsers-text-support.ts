import { strict as assert } from 'node:assert';
import { L1g1Error } from '@l1g1/kit';
import type { FileSource, ParsedRecord } from '../src/domain/record';

/**
 * A real `FileSource` over bytes made in the test, streamed in chunks of
 * `chunkBytes` so that line, character and record boundaries fall inside
 * chunks (the case a whole-buffer test never exercises).
 */
export function bytesSource(name: string, content: string | Uint8Array, chunkBytes = 7): FileSource {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
  return {
    name,
    sizeBytes: bytes.length,
    async *stream() {
      for (let i = 0; i < bytes.length; i += chunkBytes) yield bytes.subarray(i, i + chunkBytes);
    },
    async readAll(maxBytes: number) {
      if (bytes.length > maxBytes) throw new RangeError(`over ${maxBytes} bytes`);
      return bytes;
    },
  };
}

export async function collect(records: AsyncIterable<ParsedRecord>): Promise<ParsedRecord[]> {
  const out: ParsedRecord[] = [];
  for await (const r of records) out.push(r);
  return out;
}

/** Runs a parser to its end and returns the L1g1Error it must fail with. */
export async function failure(records: AsyncIterable<ParsedRecord>): Promise<L1g1Error> {
  try {
    await collect(records);
  } catch (err) {
    assert.ok(err instanceof L1g1Error, `expected an L1g1Error, got ${String(err)}`);
    return err;
  }
  assert.fail('the parser did not fail');
}

/** Asserts an INVALID_ARGUMENT naming the file and position, with the same facts as metadata. */
export function assertMalformed(err: L1g1Error, reason: string, metadata: Record<string, string>): void {
  assert.equal(err.kind, 'INVALID_ARGUMENT');
  assert.equal(err.reason, reason);
  assert.deepEqual(err.metadata, metadata);
  assert.ok(err.message.startsWith(`${metadata['file']} at `), err.message);
  if (metadata['line'] !== undefined) assert.match(err.message, new RegExp(`line ${metadata['line']}\\b`));
  if (metadata['row'] !== undefined) assert.match(err.message, new RegExp(`row ${metadata['row']}\\b`));
  if (metadata['byte_offset'] !== undefined) assert.match(err.message, new RegExp(`byte offset ${metadata['byte_offset']}\\b`));
}

/** Like `failure`, also returning the records yielded before the failure. */
export async function partialThenFailure(records: AsyncIterable<ParsedRecord>): Promise<{ yielded: ParsedRecord[]; err: L1g1Error }> {
  const yielded: ParsedRecord[] = [];
  try {
    for await (const r of records) yielded.push(r);
  } catch (err) {
    assert.ok(err instanceof L1g1Error, `expected an L1g1Error, got ${String(err)}`);
    return { yielded, err };
  }
  assert.fail('the parser did not fail');
}
