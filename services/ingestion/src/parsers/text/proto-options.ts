import { ingestion } from '@l1g1/contracts';
import { errors } from '@l1g1/kit';
import type { CsvOptions, SensorCsvOptions } from './csv-options';
import type { JsonOptions } from './json-options';
import type { TextOptions, TextSplit } from './text-options';
import type { TimestampUnit } from './timestamp';

// The contract's option messages → the parsers' options. proto3 sends "" and
// 0 for unset fields; the parsers take `undefined` for "use the default".

const orUndefined = (value: string): string | undefined => (value === '' ? undefined : value);

const SPLITS: Readonly<Partial<Record<ingestion.TextSplit, TextSplit | undefined>>> = {
  [ingestion.TextSplit.TEXT_SPLIT_UNSPECIFIED]: undefined,
  [ingestion.TextSplit.TEXT_SPLIT_FILE]: 'file',
  [ingestion.TextSplit.TEXT_SPLIT_LINE]: 'line',
  [ingestion.TextSplit.TEXT_SPLIT_PARAGRAPH]: 'paragraph',
};

const UNITS: Readonly<Partial<Record<ingestion.TimestampUnit, TimestampUnit>>> = {
  [ingestion.TimestampUnit.TIMESTAMP_UNIT_UNSPECIFIED]: 'auto',
  [ingestion.TimestampUnit.TIMESTAMP_UNIT_SECONDS]: 'seconds',
  [ingestion.TimestampUnit.TIMESTAMP_UNIT_MILLISECONDS]: 'milliseconds',
  [ingestion.TimestampUnit.TIMESTAMP_UNIT_MICROSECONDS]: 'microseconds',
  [ingestion.TimestampUnit.TIMESTAMP_UNIT_RFC3339]: 'rfc3339',
};

/** `TextOptions` (TXT, Markdown; its `encoding` also serves HTML and subtitles). */
export function textOptionsFromProto(o: ingestion.TextOptions | undefined, field = 'text'): TextOptions {
  if (!o) return {};
  if (!Object.hasOwn(SPLITS, o.split)) throw errors.invalidArgument(`${field}.split`, `unknown split ${o.split}`);
  return { split: SPLITS[o.split], encoding: orUndefined(o.encoding) };
}

/** `CsvOptions` (CSV, TSV). */
export function csvOptionsFromProto(o: ingestion.CsvOptions | undefined): CsvOptions {
  if (!o) return {};
  return {
    delimiter: orUndefined(o.delimiter),
    hasHeader: o.hasHeader,
    dataColumn: orUndefined(o.dataColumn),
    idColumn: orUndefined(o.idColumn),
    timestampColumn: orUndefined(o.timestampColumn),
  };
}

/** `JsonlOptions` (JSON, JSONL). */
export function jsonOptionsFromProto(o: ingestion.JsonlOptions | undefined): JsonOptions {
  if (!o) return {};
  return {
    dataField: orUndefined(o.dataField),
    idField: orUndefined(o.idField),
    metadataFields: o.metadataFields.length > 0 ? [...o.metadataFields] : undefined,
    timestampField: orUndefined(o.timestampField),
  };
}

/** `SensorCsvOptions`. */
export function sensorCsvOptionsFromProto(o: ingestion.SensorCsvOptions | undefined, field = 'sensor_csv'): SensorCsvOptions {
  if (!o) return {};
  const unit = UNITS[o.timestampUnit];
  if (unit === undefined) throw errors.invalidArgument(`${field}.timestamp_unit`, `unknown timestamp unit ${o.timestampUnit}`);
  if (!Number.isSafeInteger(o.windowMs) || o.windowMs < 0) throw errors.invalidArgument(`${field}.window_ms`, 'must be zero or a positive number of milliseconds');
  return {
    timestampColumn: orUndefined(o.timestampColumn),
    timestampUnit: unit,
    valueColumns: o.valueColumns.length > 0 ? [...o.valueColumns] : undefined,
    windowMs: o.windowMs,
    delimiter: orUndefined(o.delimiter),
  };
}
