import ExcelJS from 'exceljs';
import type { FileSource, ParsedRecord } from '../../domain/record';
import { rowToJson, toJsonValue } from './json-value';
import { libraryDetail, malformedFile } from './malformed-file';
import { checkZipContainer, DEFAULT_ZIP_CONTAINER_LIMITS, type ZipContainerLimits } from './zip-container-guard';

export interface XlsxOptions {
  /** Refuse files larger than this (a workbook is a zip: it is read whole). */
  maxBytes: number;
  /** Zip-bomb bounds checked before the library inflates the parts (defaults: DEFAULT_ZIP_CONTAINER_LIMITS). */
  zip?: Partial<ZipContainerLimits>;
  /**
   * Default true: each sheet's first non-empty row names the columns and is
   * not a record. False: columns are named by their letters (A, B, ...).
   */
  headerRow?: boolean;
  /** Refuse sheets with more rows than this (default 1,000,000, Excel's own limit). */
  maxRowsPerSheet?: number;
}

/**
 * XLSX (exceljs; not `xlsx` 0.18.5, abandoned with known advisories) → one
 * `table_row` per non-empty row of every sheet: `fields` keyed by header,
 * `position.sheet` and `position.row` as Excel numbers it (1-based, header
 * included), formulas as their cached results, rich text as plain text.
 */
export async function* parseXlsx(src: FileSource, options: XlsxOptions, signal?: AbortSignal): AsyncIterable<ParsedRecord> {
  const bytes = await src.readAll(options.maxBytes);
  await checkZipContainer(src.name, bytes, { ...DEFAULT_ZIP_CONTAINER_LIMITS, ...options.zip });
  signal?.throwIfAborted();
  const workbook = new ExcelJS.Workbook();
  try {
    // exceljs's typings want a Node Buffer; it only reads from it.
    await workbook.xlsx.load(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as ExcelJS.Buffer);
  } catch (err) {
    throw malformedFile(src.name, `not a readable XLSX workbook (${libraryDetail(err)})`, {}, { cause: err });
  }
  const useHeader = options.headerRow ?? true;
  const maxRows = options.maxRowsPerSheet ?? 1_000_000;
  for (const sheet of workbook.worksheets) {
    if (sheet.rowCount > maxRows) {
      throw malformedFile(src.name, `${sheet.rowCount} rows exceed the limit of ${maxRows}`, { sheet: sheet.name }, { reason: 'FILE_TOO_LARGE' });
    }
    let header: string[] | undefined;
    for (let r = 1; r <= sheet.rowCount; r++) {
      signal?.throwIfAborted();
      const row = sheet.getRow(r);
      if (!row.hasValues) continue;
      const cells: Array<[number, unknown]> = [];
      row.eachCell({ includeEmpty: false }, (cell, column) => cells.push([column, cellValue(cell.value)]));
      if (useHeader && !header) {
        header = [];
        for (const [column, value] of cells) header[column] = value === null || value === '' ? columnLetter(column) : String(value);
        continue;
      }
      const fields: Record<string, unknown> = {};
      for (const [column, value] of cells) fields[header?.[column] ?? columnLetter(column)] = value;
      yield {
        modality: 'table_row',
        contentType: 'application/json',
        data: rowToJson(fields),
        metadata: { format: 'xlsx', sheet: sheet.name },
        fields,
        position: { sheet: sheet.name, row: r },
      };
    }
  }
}

/** A cell's value as data: formulas by their cached result, rich text and links by their text. */
function cellValue(value: ExcelJS.CellValue): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return toJsonValue(value);
  if (typeof value !== 'object') return value;
  if ('richText' in value) return value.richText.map((part) => part.text).join('');
  if ('formula' in value || 'sharedFormula' in value) {
    const result = (value as ExcelJS.CellFormulaValue).result;
    return result === undefined ? null : cellValue(result as ExcelJS.CellValue);
  }
  if ('hyperlink' in value) return value.text;
  if ('error' in value) return value.error;
  return toJsonValue(value);
}

function columnLetter(column: number): string {
  let name = '';
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}
