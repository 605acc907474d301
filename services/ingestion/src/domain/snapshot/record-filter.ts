import { errors } from '@l1g1/kit';
import type { StoredRecord } from './stored-record';

/**
 * The proto's RecordFilter in domain terms (every field optional here; the
 * generated message fits it structurally). Every condition must hold.
 */
export interface RecordFilterSpec {
  metadataEquals?: Readonly<Record<string, string>>;
  metadataPresent?: readonly string[];
  contentTypePrefix?: string;
  /** Inclusive; 0 or absent: unbounded. */
  minTimestampUs?: number;
  maxTimestampUs?: number;
}

/** Whether `record` satisfies `filter`. A time bound excludes records without a timestamp. */
export function recordMatches(record: Pick<StoredRecord, 'contentType' | 'metadata' | 'timestampUs'>, filter: RecordFilterSpec | undefined): boolean {
  if (filter === undefined) return true;
  for (const [key, value] of Object.entries(filter.metadataEquals ?? {})) {
    if (record.metadata[key] !== value) return false;
  }
  for (const key of filter.metadataPresent ?? []) {
    if (!Object.prototype.hasOwnProperty.call(record.metadata, key)) return false;
  }
  if (filter.contentTypePrefix && !record.contentType.startsWith(filter.contentTypePrefix)) return false;
  const min = filter.minTimestampUs ?? 0;
  const max = filter.maxTimestampUs ?? 0;
  if (min !== 0 || max !== 0) {
    if (record.timestampUs === undefined) return false;
    if (min !== 0 && record.timestampUs < min) return false;
    if (max !== 0 && record.timestampUs > max) return false;
  }
  return true;
}

/** Whether the filter has any condition (an empty filter lets every record through). */
export function isEmptyFilter(filter: RecordFilterSpec | undefined): boolean {
  return (
    filter === undefined ||
    (Object.keys(filter.metadataEquals ?? {}).length === 0 &&
      (filter.metadataPresent ?? []).length === 0 &&
      !filter.contentTypePrefix &&
      !filter.minTimestampUs &&
      !filter.maxTimestampUs)
  );
}

/** INVALID_ARGUMENT naming the field when the filter cannot match anything by construction. */
export function validateRecordFilter(filter: RecordFilterSpec | undefined, field = 'filter'): void {
  if (filter === undefined) return;
  const min = filter.minTimestampUs ?? 0;
  const max = filter.maxTimestampUs ?? 0;
  if (min < 0) throw errors.invalidArgument(`${field}.min_timestamp_us`, 'must be >= 0 (0: unbounded)');
  if (max < 0) throw errors.invalidArgument(`${field}.max_timestamp_us`, 'must be >= 0 (0: unbounded)');
  if (min !== 0 && max !== 0 && min > max) throw errors.invalidArgument(`${field}.min_timestamp_us`, `must not exceed max_timestamp_us (${min} > ${max})`);
  for (const key of filter.metadataPresent ?? []) {
    if (key === '') throw errors.invalidArgument(`${field}.metadata_present`, 'keys must not be empty');
  }
}
