import { CsvError, parse } from 'csv-parse';
import { errors } from '@l1g1/kit';
import type { FileSource } from '../../domain/record';
import type { CsvDialect } from './csv-options';
import { malformedFile } from './malformed-file';
import { resolveLimits } from './text-limits';
import { openText } from './text-source';

const LINE_BREAK = /\r\n|\r|\n/g;

/** One data row of a CSV/TSV file, cells by column name. */
export interface CsvRow {
  values: Record<string, string>;
  /** 1-based data row (the header is not a row). */
  row: number;
  /** 1-based line the row starts on (a quoted cell may span lines). */
  line: number;
  /** Offset of the row's first byte; only for UTF-8 files, where csv-parse's counts are file bytes. */
  byteOffset?: number;
}

export interface CsvTable {
  columns: readonly string[];
  encoding: string;
  rows: AsyncIterable<CsvRow>;
}

function oneChar(value: string | undefined, fallback: string, field: string, allowEmpty: boolean): string {
  const v = value ?? fallback;
  if (v.length > 1 || (v.length === 0 && !allowEmpty) || v === '\n' || v === '\r') {
    throw errors.invalidArgument(field, `must be one character other than a line break, got ${JSON.stringify(v.slice(0, 8))}`);
  }
  return v;
}

/**
 * Reads a CSV/TSV file as rows of named cells with csv-parse, streaming
 * (memory bounded by `maxLineBytes` per record). The header (or c0, c1 ...)
 * is read first so callers can check their column options before any row.
 * An unclosed quote, a row with a different number of cells than the
 * header, or an over-long record fails naming the file, line and row.
 */
export async function readCsv(src: FileSource, dialect: CsvDialect, defaults: { delimiter: string; quote: string }, signal?: AbortSignal): Promise<CsvTable> {
  const limits = resolveLimits(dialect);
  const delimiter = oneChar(dialect.delimiter === '' ? undefined : dialect.delimiter, defaults.delimiter, 'delimiter', false);
  const quote = oneChar(dialect.quote, defaults.quote, 'quote', true);
  const escape = oneChar(dialect.escape, quote, 'escape', true);
  if (quote !== '' && quote === delimiter) throw errors.invalidArgument('quote', 'must differ from the delimiter');
  const text = await openText(src, dialect.encoding, signal);
  const file = src.name;
  const exactBytes = text.encoding === 'utf-8';

  async function* decoded(): AsyncGenerator<string> {
    const decoder = new TextDecoder(text.encoding, { fatal: true, ignoreBOM: true });
    let offset = text.bomBytes;
    try {
      for await (const chunk of text.bytes) {
        yield decoder.decode(chunk, { stream: true });
        offset += chunk.byteLength;
      }
      yield decoder.decode();
    } catch (err) {
      if (err instanceof TypeError) throw malformedFile(file, { byteOffset: offset }, `bytes that are not valid ${text.encoding} (in the ${offset === text.bomBytes ? 'first' : 'next'} chunk from this offset)`, 'INVALID_ENCODING', err);
      throw err;
    }
  }

  // csv-parse is driven by hand (write, then drain what `on_record` queued) rather than
  // iterated as a stream: a stream drops its buffered rows when a later row fails, and the
  // rows before a malformed one must still come out, with exact lines and offsets.
  type Parsed = { cells: string[]; endBytes: number };
  const queue: Parsed[] = [];
  const parser = parse({
    delimiter,
    quote: quote === '' ? false : quote,
    escape: escape === '' ? null : escape,
    record_delimiter: ['\r\n', '\n', '\r'],
    // Cell counts are checked here (not by csv-parse) so that blank lines can be skipped while offsets stay exact.
    relax_column_count: true,
    max_record_size: limits.maxLineBytes,
    on_record: (cells: string[], context: { bytes: number }) => {
      queue.push({ cells, endBytes: context.bytes });
      return null;
    },
  });
  parser.on('error', () => undefined); // surfaced through the write/end callbacks below
  const settle = (act: (done: (err?: Error | null) => void) => void) => new Promise<Error | undefined>((resolve) => act((err) => resolve(err ?? undefined)));

  async function* parsed(): AsyncGenerator<Parsed> {
    let failed: Error | undefined;
    for await (const chunk of decoded()) {
      failed = await settle((done) => parser.write(chunk, done));
      yield* queue.splice(0);
      if (failed) throw failed;
    }
    failed = await settle((done) => parser.end(done));
    yield* queue.splice(0);
    if (failed) throw failed;
  }
  const source = parsed();

  let endLine = 0;
  let endOffset = text.bomBytes;
  const mapError = (err: unknown, row: number): unknown => {
    if (!(err instanceof CsvError)) return err;
    const line = endLine + 1;
    const where = { line, row, byteOffset: exactBytes ? endOffset : undefined };
    if (where.byteOffset === undefined) delete where.byteOffset;
    switch (err.code) {
      case 'CSV_QUOTE_NOT_CLOSED':
        return malformedFile(file, where, 'a quoted cell is never closed', 'UNCLOSED_QUOTE', err);
      case 'CSV_MAX_RECORD_SIZE':
        return malformedFile(file, where, `a record longer than ${limits.maxLineBytes} bytes`, 'LINE_TOO_LONG', err);
      default:
        // Invalid opening/closing quotes and the like: csv-parse's text says which, and names no internals.
        return malformedFile(file, where, err.message.replace(/\s*(at|on) line \d+\.?$/, ''), 'MALFORMED_CSV', err);
    }
  };
  /** The next non-blank record with its start line and byte offset, or undefined at the end. */
  const next = async (row: number): Promise<{ cells: string[]; line: number; byteOffset: number } | undefined> => {
    for (;;) {
      signal?.throwIfAborted();
      let step: IteratorResult<Parsed>;
      try {
        step = await source.next();
      } catch (err) {
        throw mapError(err, row);
      }
      if (step.done) return undefined;
      const { cells, endBytes } = step.value;
      const start = { line: endLine + 1, byteOffset: endOffset };
      // csv-parse's own line count takes a CRLF inside quotes for two lines; the cells keep their breaks verbatim.
      endLine = start.line + cells.reduce((n, cell) => n + (cell.match(LINE_BREAK)?.length ?? 0), 0);
      endOffset = text.bomBytes + endBytes;
      if (cells.length === 1 && cells[0] === '') continue; // a blank line
      return { cells, ...start };
    }
  };

  const first = await next(1).catch(async (err: unknown) => {
    await source.return(undefined);
    parser.destroy();
    throw err;
  });
  const hasHeader = dialect.hasHeader ?? true;
  const width = first?.cells.length ?? 0;
  const columns = hasHeader && first ? first.cells.map((name, i) => (name.trim() === '' ? `c${i}` : name.trim())) : Array.from({ length: width }, (_, i) => `c${i}`);
  const seen = new Set<string>();
  for (const name of columns) {
    if (seen.has(name)) {
      await source.return(undefined);
      parser.destroy();
      throw malformedFile(file, { line: first?.line ?? 1 }, `duplicate column name "${name.slice(0, 64)}" in the header`, 'DUPLICATE_COLUMN');
    }
    seen.add(name);
  }

  async function* rows(): AsyncGenerator<CsvRow> {
    try {
      let pending = hasHeader ? undefined : first;
      for (let row = 1; ; row++) {
        const rec = pending ?? (await next(row));
        pending = undefined;
        if (!rec) return;
        if (rec.cells.length !== columns.length) {
          const where = exactBytes ? { line: rec.line, row, byteOffset: rec.byteOffset } : { line: rec.line, row };
          throw malformedFile(file, where, `${rec.cells.length} cells where the header has ${columns.length}`, 'WRONG_COLUMN_COUNT');
        }
        const values: Record<string, string> = {};
        columns.forEach((name, i) => (values[name] = rec.cells[i] ?? ''));
        yield exactBytes ? { values, row, line: rec.line, byteOffset: rec.byteOffset } : { values, row, line: rec.line };
      }
    } finally {
      await source.return(undefined);
      parser.destroy();
    }
  }
  return { columns, encoding: text.encoding, rows: rows() };
}

/** INVALID_ARGUMENT for an option naming a column the file does not have. */
export function unknownColumn(file: string, field: string, column: string, columns: readonly string[]): Error {
  return errors.invalidArgument(field, `${file} has no column "${column.slice(0, 64)}" (columns: ${columns.slice(0, 20).join(', ')})`, { reason: 'UNKNOWN_COLUMN', metadata: { file } });
}
