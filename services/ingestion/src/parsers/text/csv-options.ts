import type { TextDecodingOptions } from './text-options';
import type { TimestampUnit } from './timestamp';

/** The CSV dialect: how cells are split and quoted. */
export interface CsvDialect extends TextDecodingOptions {
  /** One character; default "," (CSV) or a tab (TSV). */
  delimiter?: string;
  /** One character, or '' for no quoting; default '"' for CSV, none for TSV (IANA TSV has no quoting). */
  quote?: string;
  /** Escape character inside quoted cells; default: the quote itself (`""`). */
  escape?: string;
  /** Default true; false names the columns c0, c1, ... */
  hasHeader?: boolean;
}

/** CSV and TSV (proto `CsvOptions`). */
export interface CsvOptions extends CsvDialect {
  /** Column whose value becomes `data`; unset: the whole row as JSON. */
  dataColumn?: string;
  /** Column whose value becomes metadata `record_id`. */
  idColumn?: string;
  /** Column whose value becomes `timestampUs`. */
  timestampColumn?: string;
  /** Default `auto`. */
  timestampUnit?: TimestampUnit;
}

/** Sensor CSV (proto `SensorCsvOptions`). */
export interface SensorCsvOptions extends CsvDialect {
  /** Default "timestamp". */
  timestampColumn?: string;
  /** Default `auto` (numbers are milliseconds, else RFC 3339). */
  timestampUnit?: TimestampUnit;
  /** Columns whose values form `data`; empty: every other column. */
  valueColumns?: string[];
  /** When > 0, rows are grouped into windows of this length, one record each. */
  windowMs?: number;
}
