/**
 * What every parser yields: the source's `(data, metadata)` record, before
 * cleaning and before it gets its content id. The ingestion service (handlers
 * -> domain -> adapters, issue 7) turns these into `l1g1.common.v1.Record`s;
 * parsers, cleaning steps and archive expansion only share this shape.
 */

/** What a record holds. */
export type Modality = 'text' | 'image' | 'audio' | 'table_row' | 'document' | 'medical_image' | 'timed_text';

/** Where in its source file a record came from (every known coordinate; all optional). */
export interface Position {
  /** 1-based line (text, JSONL, CSV). */
  line?: number;
  /** 1-based data row (CSV/TSV after the header, Parquet, XLSX). */
  row?: number;
  /** Worksheet name (XLSX). */
  sheet?: string;
  /** 1-based page (PDF). */
  page?: number;
  /** Byte offset of the record's start in the (decompressed) file. */
  byteOffset?: number;
  /** Time range on the source's own clock (subtitles, audio segments), microseconds. */
  startUs?: number;
  endUs?: number;
}

export interface ParsedRecord {
  modality: Modality;
  /** MIME type of `data` (text/plain, application/json, image/png, audio/wav, ...). */
  contentType: string;
  /** The payload: text as a string, binary as bytes (an image, an audio segment, a JSON row as text). */
  data: string | Uint8Array;
  /** Flat string metadata (headers, sizes, tags); values already stringified. */
  metadata: Record<string, string>;
  /** Structured fields when the source has them (a table row's columns, a JSON object). */
  fields?: Record<string, unknown>;
  position: Position;
  /** When the record happened on its own clock, microseconds since the epoch (mail Date, sensor row). */
  timestampUs?: number;
  /**
   * For nested records (an e-mail's attachments, an archive's entries): the
   * `path` of the container inside the upload, e.g. `mail.eml#attachment/2`.
   */
  parent?: string;
}

/** A file as parsers see it: a name, an optional size, and its bytes as a stream or whole. */
export interface FileSource {
  /** Path inside the upload (archive entries: `archive.zip/dir/file.csv`). */
  readonly name: string;
  readonly sizeBytes?: number;
  /** The bytes, once, as a stream. */
  stream(): AsyncIterable<Uint8Array>;
  /** The whole file (for formats whose libraries need it: PDF, DOCX, XLSX, images); refuses beyond `maxBytes`. */
  readAll(maxBytes: number): Promise<Uint8Array>;
}
