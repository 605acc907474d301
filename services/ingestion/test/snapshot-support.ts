import type { Modality } from '../src/domain/record';
import type { StoredRecord } from '../src/domain/snapshot/stored-record';

/** A text record with the given id and metadata (payload defaults to "text of <id>"). */
export function textRecord(id: string, metadata: Record<string, string> = {}, text = `text of ${id}`, timestampUs?: number): StoredRecord {
  return { id, modality: 'text', contentType: 'text/plain', data: new TextEncoder().encode(text), metadata, ...(timestampUs === undefined ? {} : { timestampUs }) };
}

/** A binary record (bytes that are not valid UTF-8, so a text round trip would mangle them). */
export function binaryRecord(id: string, bytes: Uint8Array, modality: Modality = 'image', contentType = 'image/png', metadata: Record<string, string> = {}): StoredRecord {
  return { id, modality, contentType, data: bytes, metadata };
}

/** An async iterable over an array, as the writer and merges take. */
export async function* fromArray<T>(items: readonly T[]): AsyncIterable<T> {
  for (const item of items) yield item;
}

export async function collectAll<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Records comparable with deepEqual: data as a plain number array. */
export function comparable(r: StoredRecord): unknown {
  return { ...r, data: Array.from(r.data) };
}
