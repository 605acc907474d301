import { parquetMetadataAsync, parquetReadObjects, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { open, stat } from 'node:fs/promises';
import type { Modality } from '../../domain/record';
import { parseMetadataJson } from '../../domain/snapshot/metadata-json';
import { SNAPSHOT_COLUMNS, type StoredRecord } from '../../domain/snapshot/stored-record';

export interface SnapshotRowOptions {
  /** Skip the `text` / `data` columns (their bytes are never read); records carry empty `data`. */
  metadataOnly?: boolean;
}

export interface SnapshotRow {
  /** 0-based row index in the file (the resume position of ReadRecords). */
  row: number;
  record: StoredRecord;
}

export interface SnapshotFile {
  recordCount: number;
  /**
   * The records of rows [fromRow, toRow) in file order (sorted by id for
   * files the writer made). Reads one row group slice at a time, so memory
   * is bounded by a row group, never by the file.
   */
  rows(fromRow?: number, toRow?: number, opts?: SnapshotRowOptions): AsyncIterable<SnapshotRow>;
}

/** Most rows decoded per read, for files from other writers whose row groups are large (DuckDB's default is 122,880). */
const MAX_ROWS_PER_READ = 8192;
const PAYLOAD_COLUMNS = new Set(['text', 'data']);

/**
 * Opens a snapshot data file for reading with hyparquet (+ its compressors):
 * an implementation independent of the DuckDB writer, so a test that reads
 * back what the writer wrote checks the file, not one library against itself.
 * Only the footer is read here; rows are fetched from disk on demand.
 */
export async function openSnapshotParquet(path: string): Promise<SnapshotFile> {
  const file = await fileRanges(path);
  const metadata = await parquetMetadataAsync(file);
  const present = new Set(metadata.schema.slice(1).map((e) => e.name));
  const missing = SNAPSHOT_COLUMNS.filter((c) => !present.has(c));
  if (missing.length > 0) throw new Error(`not a snapshot file: missing column(s) ${missing.join(', ')}`);
  const recordCount = Number(metadata.num_rows);
  return {
    recordCount,
    rows: (fromRow = 0, toRow = recordCount, opts = {}) => readRows(file, metadata, clampRange(fromRow, toRow, recordCount), opts),
  };
}

function clampRange(fromRow: number, toRow: number, recordCount: number): { from: number; to: number } {
  if (!Number.isSafeInteger(fromRow) || fromRow < 0) throw new RangeError(`fromRow must be a non-negative integer, got ${fromRow}`);
  if (!Number.isSafeInteger(toRow) || toRow < 0) throw new RangeError(`toRow must be a non-negative integer, got ${toRow}`);
  return { from: Math.min(fromRow, recordCount), to: Math.min(toRow, recordCount) };
}

async function* readRows(
  file: AsyncBuffer,
  metadata: FileMetaData,
  range: { from: number; to: number },
  opts: SnapshotRowOptions,
): AsyncIterable<SnapshotRow> {
  const columns = SNAPSHOT_COLUMNS.filter((c) => !(opts.metadataOnly === true && PAYLOAD_COLUMNS.has(c)));
  let groupStart = 0;
  for (const group of metadata.row_groups) {
    const groupEnd = groupStart + Number(group.num_rows);
    // Slices never cross a row group, so each read touches one group's column chunks only.
    for (let start = Math.max(range.from, groupStart); start < Math.min(range.to, groupEnd); ) {
      const end = Math.min(range.to, groupEnd, start + MAX_ROWS_PER_READ);
      // utf8: false keeps the `data` BLOB as bytes; STRING columns still decode to text.
      const rows = await parquetReadObjects({ file, metadata, compressors, columns, rowStart: start, rowEnd: end, utf8: false });
      for (let i = 0; i < rows.length; i++) {
        yield { row: start + i, record: toRecord(rows[i] ?? {}, start + i) };
      }
      start = end;
    }
    groupStart = groupEnd;
    if (groupStart >= range.to) return;
  }
}

function toRecord(row: Record<string, unknown>, index: number): StoredRecord {
  const id = row.id;
  const metadataJson = row.metadata;
  if (typeof id !== 'string' || typeof metadataJson !== 'string') throw new Error(`snapshot row ${index} has no id or metadata`);
  const record: StoredRecord = {
    id,
    modality: String(row.modality) as Modality, // written from a Modality by the writer
    contentType: String(row.content_type),
    data: payload(row),
    metadata: parseMetadataJson(metadataJson),
  };
  const ts = row.timestamp_us;
  if (typeof ts === 'bigint' || typeof ts === 'number') record.timestampUs = Number(ts);
  return record;
}

function payload(row: Record<string, unknown>): Uint8Array {
  if (typeof row.text === 'string') return new TextEncoder().encode(row.text);
  if (row.data instanceof Uint8Array) return row.data;
  return new Uint8Array(0);
}

/**
 * hyparquet's view of a file: byte ranges read on demand. (hyparquet's own
 * `asyncBufferFromFile` lives in an ESM-only entry point this CommonJS build
 * cannot name.) Each range opens and closes the file, so a reader that is
 * dropped half-way leaks no descriptor.
 */
async function fileRanges(path: string): Promise<AsyncBuffer> {
  const { size } = await stat(path);
  return {
    byteLength: size,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const stop = Math.min(end ?? size, size);
      const length = Math.max(0, stop - start);
      const out = new ArrayBuffer(length);
      if (length === 0) return out;
      const handle = await open(path, 'r');
      try {
        let done = 0;
        while (done < length) {
          const { bytesRead } = await handle.read(new Uint8Array(out, done, length - done), 0, length - done, start + done);
          if (bytesRead === 0) throw new Error(`snapshot file ended at byte ${start + done} of ${size}`);
          done += bytesRead;
        }
      } finally {
        await handle.close();
      }
      return out;
    },
  };
}
