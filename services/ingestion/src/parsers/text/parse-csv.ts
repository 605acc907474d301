import type { FileSource, ParsedRecord } from '../../domain/record';
import type { CsvOptions } from './csv-options';
import { readCsv, unknownColumn, type CsvRow } from './csv-rows';
import { malformedFile } from './malformed-file';
import { parseTimestampUs } from './timestamp';

async function* parseTable(src: FileSource, options: CsvOptions, defaults: { delimiter: string; quote: string }, signal?: AbortSignal): AsyncGenerator<ParsedRecord> {
  const table = await readCsv(src, options, defaults, signal);
  for (const [field, column] of [['data_column', options.dataColumn], ['id_column', options.idColumn], ['timestamp_column', options.timestampColumn]] as const) {
    if (column && !table.columns.includes(column)) throw unknownColumn(src.name, field, column, table.columns);
  }
  const position = (r: CsvRow) => (r.byteOffset === undefined ? { line: r.line, row: r.row } : { line: r.line, row: r.row, byteOffset: r.byteOffset });
  for await (const r of table.rows) {
    const metadata: Record<string, string> = {};
    for (const [name, value] of Object.entries(r.values)) if (name !== options.dataColumn) metadata[name] = value;
    if (options.idColumn) metadata['record_id'] = r.values[options.idColumn] ?? '';
    const record: ParsedRecord = options.dataColumn
      ? { modality: 'table_row', contentType: 'text/plain', data: r.values[options.dataColumn] ?? '', metadata, fields: { ...r.values }, position: position(r) }
      : { modality: 'table_row', contentType: 'application/json', data: JSON.stringify(r.values), metadata, fields: { ...r.values }, position: position(r) };
    if (options.timestampColumn) {
      const cell = r.values[options.timestampColumn] ?? '';
      if (cell.trim() !== '') {
        const us = parseTimestampUs(cell, options.timestampUnit);
        if (us === undefined) throw malformedFile(src.name, { ...position(r), column: options.timestampColumn }, `"${cell.slice(0, 40)}" is not a ${options.timestampUnit ?? 'auto'} timestamp`, 'INVALID_TIMESTAMP');
        record.timestampUs = us;
      }
    }
    yield record;
  }
}

/**
 * CSV: one `table_row` record per data row, streamed with csv-parse. `fields`
 * holds the cells by column name (strings, as written); metadata holds every
 * column except `dataColumn`. `data` is the `dataColumn` cell (text/plain) or
 * the row as a JSON object (application/json). Position: data row, start
 * line, and (UTF-8 files) byte offset.
 */
export function parseCsv(src: FileSource, options: CsvOptions = {}, signal?: AbortSignal): AsyncIterable<ParsedRecord> {
  return parseTable(src, options, { delimiter: ',', quote: '"' }, signal);
}

/** TSV: as `parseCsv`, tab-separated and, unless `quote` is given, without quoting (IANA TSV). */
export function parseTsv(src: FileSource, options: CsvOptions = {}, signal?: AbortSignal): AsyncIterable<ParsedRecord> {
  return parseTable(src, options, { delimiter: '\t', quote: '' }, signal);
}
