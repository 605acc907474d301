import { errors, L1g1Error } from '@l1g1/kit';
import assert from 'node:assert/strict';
import type { FileSource, ParsedRecord } from '../src/domain/record';

/** A FileSource over bytes in memory, refusing readAll beyond its limit as the real one does. */
export function memorySource(name: string, bytes: Uint8Array | string): FileSource {
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  return {
    name,
    sizeBytes: data.byteLength,
    async *stream() {
      // Small chunks so stream parsers meet records split across chunk boundaries.
      for (let i = 0; i < data.byteLength; i += 61) yield data.subarray(i, i + 61);
    },
    async readAll(maxBytes: number) {
      if (data.byteLength > maxBytes) throw errors.invalidArgument('', `${name} exceeds ${maxBytes} bytes`, { reason: 'FILE_TOO_LARGE' });
      return data;
    },
  };
}

export async function collect(records: AsyncIterable<ParsedRecord>): Promise<ParsedRecord[]> {
  const out: ParsedRecord[] = [];
  for await (const r of records) out.push(r);
  return out;
}

/** Runs the parser to the end and returns the L1g1Error it must throw. */
export async function malformedError(records: AsyncIterable<ParsedRecord>): Promise<L1g1Error> {
  try {
    await collect(records);
  } catch (err) {
    assert.ok(err instanceof L1g1Error, `expected an L1g1Error, got ${String(err)}`);
    assert.equal(err.kind, 'INVALID_ARGUMENT');
    return err;
  }
  assert.fail('the parser accepted a malformed file');
}
