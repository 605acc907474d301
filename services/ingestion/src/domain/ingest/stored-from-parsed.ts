/**
 * A cleaned ParsedRecord as a snapshot stores it: content id, payload bytes,
 * and flat metadata — the client's record_metadata (upload, then file), the
 * parser's own, then the reserved keys: `source_file`, the position
 * (`line`, `row`, `sheet`, `page`, `byte_offset`, `start_us`, `end_us`) and
 * `parent` for nested records.
 */
import { contentIdOf } from '../cleaning/content-id';
import { CONTENT_ID_KEY } from '../cleaning/exact-dedupe';
import type { ParsedRecord } from '../record';
import type { StoredRecord } from '../snapshot/stored-record';

export function storedFromParsed(record: ParsedRecord, file: string, clientMetadata: Record<string, string>): StoredRecord {
  const metadata: Record<string, string> = { ...clientMetadata, ...record.metadata };
  delete metadata[CONTENT_ID_KEY];
  metadata['source_file'] = file;
  const p = record.position;
  if (p.line !== undefined) metadata['line'] = String(p.line);
  if (p.row !== undefined) metadata['row'] = String(p.row);
  if (p.sheet !== undefined) metadata['sheet'] = p.sheet;
  if (p.page !== undefined) metadata['page'] = String(p.page);
  if (p.byteOffset !== undefined) metadata['byte_offset'] = String(p.byteOffset);
  if (p.startUs !== undefined) metadata['start_us'] = String(p.startUs);
  if (p.endUs !== undefined) metadata['end_us'] = String(p.endUs);
  if (record.parent !== undefined) metadata['parent'] = record.parent;
  const data = typeof record.data === 'string' ? new Uint8Array(Buffer.from(record.data, 'utf8')) : record.data;
  return {
    id: contentIdOf(record.data),
    modality: record.modality,
    contentType: record.contentType,
    data,
    metadata,
    ...(record.timestampUs === undefined ? {} : { timestampUs: record.timestampUs }),
  };
}
