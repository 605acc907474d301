import { errors } from '@l1g1/kit';

/**
 * A record as the models read it: a snapshot record's payload and flat metadata (the ingestion
 * service's `StoredRecord`, or a ReadRecords answer, without depending on that service).
 */
export interface RecordInput {
  /** Text as a string or its UTF-8 bytes; images as encoded or raw bytes (see each model). */
  data: string | Uint8Array;
  metadata: Readonly<Record<string, string>>;
  /** The record's id, when known: named in errors about this record. */
  id?: string;
}

const decoder = new TextDecoder('utf-8');

/** The record's payload as text (UTF-8; invalid bytes become U+FFFD). */
export function recordText(record: RecordInput): string {
  return typeof record.data === 'string' ? record.data : decoder.decode(record.data);
}

/**
 * The class index of a record's label (`metadata[labelField]`), by `classNames`.
 * @throws INVALID_ARGUMENT naming `data.label_field` when the label is missing or unknown.
 */
export function labelIndex(record: RecordInput, labelField: string, classIndex: ReadonlyMap<string, number>): number {
  const label = record.metadata[labelField];
  if (label === undefined) throw errors.invalidArgument('data.label_field', `a record has no metadata "${labelField}"`);
  const index = classIndex.get(label);
  if (index === undefined) throw errors.invalidArgument('data.label_field', `label "${label}" is not among the class names`);
  return index;
}
