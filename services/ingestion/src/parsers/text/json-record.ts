import type { ParsedRecord, Position } from '../../domain/record';
import type { JsonOptions } from './json-options';
import { parseTimestampUs } from './timestamp';

/** Why an object cannot become a record; the caller adds the file and position. */
export class JsonRecordFault {
  constructor(
    readonly reason: string,
    readonly problem: string,
  ) {}
}

function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  // Same text as JSON.stringify for a parsed JSON number (always finite), boolean or null, without the
  // call: metadata is built per record, and a polyfilled JSON.stringify (pdf.js's legacy build installs
  // core-js's) costs ~10x the native one.
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return JSON.stringify(value) ?? 'null';
}

/**
 * One JSON value (a JSONL line, an element of a JSON array) as a record, by
 * the options' field mapping. Returns a fault (not an exception) for values
 * that are not objects or lack a named field, so JSONL can skip and report.
 */
export function jsonRecord(value: unknown, options: JsonOptions, position: Position): ParsedRecord | JsonRecordFault {
  try {
    return objectRecord(value, options, position);
  } catch (err) {
    // JSON.parse takes any depth, but turning a value nested tens of thousands
    // deep back into text overflows the stack: the value is the client's, and
    // its error must name its line (it was "could not be parsed" at row 0).
    if (err instanceof RangeError) return new JsonRecordFault('JSON_TOO_DEEP', 'the JSON value nests too deeply to be stored as a record');
    throw err;
  }
}

function objectRecord(value: unknown, options: JsonOptions, position: Position): ParsedRecord | JsonRecordFault {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return new JsonRecordFault('NOT_AN_OBJECT', `expected a JSON object, found ${Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`}`);
  }
  const object = value as Record<string, unknown>;
  let data: string;
  let text = false;
  if (options.dataField) {
    if (!Object.hasOwn(object, options.dataField)) return new JsonRecordFault('MISSING_FIELD', `no "${options.dataField.slice(0, 64)}" field (data_field)`);
    const field = object[options.dataField];
    text = typeof field === 'string';
    data = asText(field);
  } else {
    data = JSON.stringify(object);
  }
  const metadata: Record<string, string> = {};
  const keys = options.metadataFields && options.metadataFields.length > 0 ? options.metadataFields : Object.keys(object).filter((k) => k !== options.dataField);
  for (const key of keys) if (Object.hasOwn(object, key)) metadata[key] = asText(object[key]);
  if (options.idField && Object.hasOwn(object, options.idField)) metadata['record_id'] = asText(object[options.idField]);
  const record: ParsedRecord = { modality: text ? 'text' : 'table_row', contentType: text ? 'text/plain' : 'application/json', data, metadata, fields: object, position };
  if (options.timestampField && Object.hasOwn(object, options.timestampField)) {
    const raw = object[options.timestampField];
    const us = typeof raw === 'number' ? (Number.isSafeInteger(raw) ? raw : undefined) : typeof raw === 'string' ? parseTimestampUs(raw, 'rfc3339') : undefined;
    if (us === undefined) return new JsonRecordFault('INVALID_TIMESTAMP', `"${options.timestampField.slice(0, 64)}" is not a number of microseconds nor an RFC 3339 time`);
    record.timestampUs = us;
  }
  return record;
}
