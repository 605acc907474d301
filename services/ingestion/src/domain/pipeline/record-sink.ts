import type { ParsedRecord } from '../record';

/**
 * Where the pipeline puts records, file by file (the upload's staging area,
 * wired by the service). A file's records stand only once `commitFile` is
 * called; `discardFile` drops what `write` received for it, so a file that
 * fails half-way leaves nothing. The whole upload's atomicity (a cut upload
 * leaves nothing visible) is the sink owner's: the pipeline rejects, the
 * owner rolls back.
 */
export interface RecordSink {
  /** Awaited for every record: a slow store slows the parsing (backpressure). */
  write(file: string, record: ParsedRecord): Promise<void>;
  commitFile(file: string): Promise<void>;
  discardFile(file: string): Promise<void>;
}
