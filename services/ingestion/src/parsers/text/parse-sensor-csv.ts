import { errors } from '@l1g1/kit';
import type { FileSource, ParsedRecord, Position } from '../../domain/record';
import type { SensorCsvOptions } from './csv-options';
import { readCsv, unknownColumn, type CsvRow } from './csv-rows';
import { malformedFile } from './malformed-file';
import { resolveLimits } from './text-limits';
import { parseTimestampUs } from './timestamp';

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A sensor reading as JSON: numbers as numbers, empty cells as null, anything else as text. */
function reading(cell: string): number | string | null {
  const v = cell.trim();
  if (v === '') return null;
  return NUMBER.test(v) && Number.isFinite(Number(v)) ? Number(v) : cell;
}

function positionOf(r: CsvRow): Position {
  return r.byteOffset === undefined ? { line: r.line, row: r.row } : { line: r.line, row: r.row, byteOffset: r.byteOffset };
}

/**
 * Sensor CSV: a CSV with a timestamp column; each row becomes a `table_row`
 * record with `timestampUs` (every row must have a valid one: alignment
 * needs it) and `data` = the value columns as a JSON object (numbers as
 * numbers). With `windowMs` > 0, rows (in time order) are grouped into
 * windows [k·w, (k+1)·w): one record per window, `data` = JSON array of the
 * rows' values, `timestampUs` = window start, metadata `rows` and
 * `window_end_us`, position = the window's first row.
 */
export async function* parseSensorCsv(src: FileSource, options: SensorCsvOptions = {}, signal?: AbortSignal): AsyncGenerator<ParsedRecord> {
  const windowMs = options.windowMs ?? 0;
  if (!Number.isSafeInteger(windowMs) || windowMs < 0) throw errors.invalidArgument('window_ms', 'must be a non-negative integer');
  const table = await readCsv(src, options, { delimiter: options.delimiter || ',', quote: '"' }, signal);
  const tsColumn = options.timestampColumn || 'timestamp';
  if (!table.columns.includes(tsColumn)) throw unknownColumn(src.name, 'timestamp_column', tsColumn, table.columns);
  const valueColumns = options.valueColumns && options.valueColumns.length > 0 ? options.valueColumns : table.columns.filter((c) => c !== tsColumn);
  for (const c of valueColumns) if (!table.columns.includes(c)) throw unknownColumn(src.name, 'value_columns', c, table.columns);
  const unit = options.timestampUnit ?? 'auto';
  const metadata = { timestamp_column: tsColumn, encoding: table.encoding };

  const { maxRecordBytes } = resolveLimits(options);
  const windowUs = windowMs * 1000;
  let window: { startUs: number; rows: Record<string, unknown>[]; bytes: number; position: Position } | undefined;
  const closeWindow = (): ParsedRecord | undefined => {
    if (!window) return undefined;
    const w = window;
    window = undefined;
    return {
      modality: 'table_row',
      contentType: 'application/json',
      data: JSON.stringify(w.rows),
      metadata: { ...metadata, rows: String(w.rows.length), window_end_us: String(w.startUs + windowUs) },
      fields: { rows: w.rows },
      position: w.position,
      timestampUs: w.startUs,
    };
  };
  let lastUs = Number.NEGATIVE_INFINITY;
  for await (const r of table.rows) {
    const cell = r.values[tsColumn] ?? '';
    const timestampUs = parseTimestampUs(cell, unit);
    if (timestampUs === undefined) {
      throw malformedFile(src.name, { ...positionOf(r), column: tsColumn }, `"${cell.slice(0, 40)}" is not a ${unit === 'auto' ? 'millisecond or RFC 3339' : unit} timestamp`, 'INVALID_TIMESTAMP');
    }
    const values: Record<string, unknown> = {};
    for (const c of valueColumns) values[c] = reading(r.values[c] ?? '');
    if (windowUs === 0) {
      yield { modality: 'table_row', contentType: 'application/json', data: JSON.stringify(values), metadata: { ...metadata }, fields: values, position: positionOf(r), timestampUs };
      continue;
    }
    if (timestampUs < lastUs) {
      throw malformedFile(src.name, { ...positionOf(r), column: tsColumn }, 'rows are not in time order, which windowing needs', 'UNSORTED_TIMESTAMPS');
    }
    lastUs = timestampUs;
    const startUs = Math.floor(timestampUs / windowUs) * windowUs;
    if (window && window.startUs !== startUs) {
      const done = closeWindow();
      if (done) yield done;
    }
    window ??= { startUs, rows: [], bytes: 2, position: positionOf(r) };
    const row = { timestamp_us: timestampUs, ...values };
    window.bytes += Buffer.byteLength(JSON.stringify(row)) + 1;
    if (window.bytes > maxRecordBytes) {
      throw malformedFile(src.name, window.position, `a ${windowMs} ms window holds more than ${maxRecordBytes} bytes of rows; use a shorter window`, 'RECORD_TOO_LARGE');
    }
    window.rows.push(row);
  }
  const last = closeWindow();
  if (last) yield last;
}
