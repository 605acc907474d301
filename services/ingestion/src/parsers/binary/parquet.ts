import { parquetMetadata, parquetReadObjects, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import type { FileSource, ParsedRecord } from '../../domain/record';
import { libraryDetail, malformedFile } from './malformed-file';
import { rowToJson, toJsonValue } from './json-value';

export interface ParquetOptions {
  /** Refuse files larger than this (Parquet needs random access, so the file is read whole). */
  maxBytes: number;
  /** Rows decoded per step: bounds the decoded rows held at once (default 1024). */
  batchRows?: number;
}

const FOOTER_BYTES = 8; // 4-byte metadata length + "PAR1"
const MAGIC = 'PAR1';

/**
 * Parquet (any codec hyparquet-compressors knows: snappy, zstd, gzip, brotli,
 * lz4) → one `table_row` per row, `fields` = the row's columns, `position.row`
 * 1-based. Rows are decoded in batches so a large file never becomes one array.
 */
export async function* parseParquet(
  src: FileSource,
  options: ParquetOptions,
  signal?: AbortSignal,
): AsyncIterable<ParsedRecord> {
  const bytes = await src.readAll(options.maxBytes);
  signal?.throwIfAborted();
  // hyparquet wants an ArrayBuffer: reuse the source's when the view spans it, copy only otherwise.
  const file =
    bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer
      ? bytes.buffer
      : (bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  const metadata = readMetadata(src.name, bytes, file);
  const totalRows = Number(metadata.num_rows);
  const batchRows = Math.max(1, options.batchRows ?? 1024);
  const columns = metadata.schema.slice(1).map((e) => e.name).join(',');
  for (let start = 0; start < totalRows; start += batchRows) {
    signal?.throwIfAborted();
    const end = Math.min(totalRows, start + batchRows);
    let rows: Array<Record<string, unknown>>;
    try {
      rows = await parquetReadObjects({ file, metadata, compressors, rowStart: start, rowEnd: end });
    } catch (err) {
      throw malformedFile(src.name, `unreadable row data (${libraryDetail(err)})`, {
        row: start + 1,
        byteOffset: rowGroupOffset(metadata, start),
      }, { cause: err });
    }
    for (let i = 0; i < rows.length; i++) {
      const fields = toJsonValue(rows[i] ?? {}) as Record<string, unknown>;
      yield {
        modality: 'table_row',
        contentType: 'application/json',
        data: rowToJson(fields),
        metadata: { format: 'parquet', columns },
        fields,
        position: { row: start + i + 1 },
      };
    }
  }
}

function readMetadata(name: string, bytes: Uint8Array, file: ArrayBuffer): FileMetaData {
  const size = bytes.byteLength;
  const tail = Buffer.from(bytes.subarray(Math.max(0, size - 4))).toString('latin1');
  const head = Buffer.from(bytes.subarray(0, 4)).toString('latin1');
  if (size < 12 || head !== MAGIC) {
    throw malformedFile(name, 'not a Parquet file (no PAR1 header)', { byteOffset: 0 });
  }
  if (tail !== MAGIC) {
    throw malformedFile(name, 'no Parquet footer: the file is truncated or not Parquet', {
      byteOffset: Math.max(0, size - 4),
    });
  }
  const metadataLength = Buffer.from(bytes.buffer, bytes.byteOffset, size).readUInt32LE(size - FOOTER_BYTES);
  const metadataOffset = size - FOOTER_BYTES - metadataLength;
  if (metadataOffset < 4) {
    throw malformedFile(name, `footer metadata length ${metadataLength} exceeds the file`, {
      byteOffset: size - FOOTER_BYTES,
    });
  }
  try {
    return parquetMetadata(file);
  } catch (err) {
    throw malformedFile(name, `unreadable footer metadata (${libraryDetail(err)})`, {
      byteOffset: metadataOffset,
    }, { cause: err });
  }
}

/** Byte offset of the row group holding `row` (0-based): the nearest place a reader can point to. */
function rowGroupOffset(metadata: FileMetaData, row: number): number | undefined {
  let first = 0;
  for (const group of metadata.row_groups) {
    const n = Number(group.num_rows);
    if (row < first + n) {
      const meta = group.columns[0]?.meta_data;
      if (!meta) return undefined;
      return Number(meta.dictionary_page_offset ?? meta.data_page_offset);
    }
    first += n;
  }
  return undefined;
}
