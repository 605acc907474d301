import { createHash } from 'node:crypto';
import type { ParsedRecord } from '../src/domain/record';
import type { StoredRecord } from '../src/domain/snapshot/stored-record';

/** A parser's record as the service stores it: content id, `timestampUs` = start, `end_us` in metadata. */
export function storedFromParsed(parsed: ParsedRecord, salt = ''): StoredRecord {
  const data = typeof parsed.data === 'string' ? Buffer.from(parsed.data, 'utf8') : parsed.data;
  const metadata: Record<string, string> = { ...parsed.metadata };
  if (parsed.position.startUs !== undefined) metadata['start_us'] = String(parsed.position.startUs);
  if (parsed.position.endUs !== undefined) metadata['end_us'] = String(parsed.position.endUs);
  const record: StoredRecord = {
    id: createHash('sha256').update(salt).update(data).update(String(parsed.position.startUs ?? '')).digest('hex'),
    modality: parsed.modality,
    contentType: parsed.contentType,
    data: new Uint8Array(data),
    metadata,
  };
  const t = parsed.timestampUs ?? parsed.position.startUs;
  if (t !== undefined) record.timestampUs = t;
  return record;
}

/** A text record with the given id, label metadata and time. */
export function textStored(id: string, text: string, metadata: Record<string, string> = {}, timestampUs?: number): StoredRecord {
  const record: StoredRecord = { id, modality: 'text', contentType: 'text/plain', data: new Uint8Array(Buffer.from(text, 'utf8')), metadata };
  if (timestampUs !== undefined) record.timestampUs = timestampUs;
  return record;
}

export async function* streamOf<T>(items: Iterable<T>): AsyncIterable<T> {
  for (const item of items) yield item;
}

export async function collectAll<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
