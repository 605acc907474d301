import type { SourceFormatName } from '../detect/source-format';

/** Why one file yielded nothing: what a user reads to fix it. */
export interface FileError {
  /** Stable UPPER_SNAKE reason: MALFORMED_FILE (or a parser's more specific one), UNKNOWN_FORMAT, UNSUPPORTED_FORMAT, ... */
  reason: string;
  /** Names the file and, where known, the line / row / page / byte offset. */
  message: string;
  /** `file` and the position fields (`line`, `row`, `page`, `byte_offset`, ...) as strings. */
  metadata: Record<string, string>;
}

/** One file of the upload: a top-level file, an archive, or an archive's entry. */
export interface FileReport {
  /** Path inside the upload (`archive.zip/dir/file.csv` for an entry). */
  file: string;
  format: SourceFormatName;
  /** What decided the format. */
  detectedBy: 'declared' | 'content' | 'name';
  /** `ok`: parsed to its end, its records kept; `failed`: its records dropped; `skipped`: an archive entry refused on its own. */
  status: 'ok' | 'failed' | 'skipped';
  /** Records kept from this file (0 when it failed). */
  records: number;
  /** Archives only: the entries it held, refused ones included. */
  entries?: number;
  error?: FileError;
  /**
   * The original fault behind an unexpected parser failure, for the
   * service's log only: never serialised into an answer (it may carry
   * paths or library internals).
   */
  cause?: unknown;
}

/** What an upload did, file by file. */
export interface UploadReport {
  files: FileReport[];
  /** Records kept across the upload. */
  records: number;
  /** Files parsed to their end (archives themselves not counted). */
  filesOk: number;
  /** Files (and archives) that failed, plus refused entries. */
  filesFailed: number;
}

/** Totals from the per-file lines. */
export function summarise(files: FileReport[]): UploadReport {
  let records = 0;
  let filesOk = 0;
  let filesFailed = 0;
  for (const f of files) {
    records += f.records;
    if (f.status !== 'ok') filesFailed += 1;
    else if (f.entries === undefined) filesOk += 1;
  }
  return { files, records, filesOk, filesFailed };
}
