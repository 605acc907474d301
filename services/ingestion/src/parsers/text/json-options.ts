import type { L1g1Error } from '@l1g1/kit';
import type { TextDecodingOptions } from './text-options';

/** JSON and JSONL (proto `JsonlOptions`). */
export interface JsonOptions extends TextDecodingOptions {
  /** Field whose value becomes `data` (strings as they are, anything else as JSON); unset: the whole object as JSON. */
  dataField?: string;
  /** Field whose value becomes metadata `record_id`. */
  idField?: string;
  /** Top-level fields copied into metadata (scalars as text, the rest as JSON); empty: every field except `dataField`. */
  metadataFields?: string[];
  /** Field holding the record time: a number of microseconds, or RFC 3339 text. */
  timestampField?: string;
  /**
   * When given, a bad line (JSONL) or element (JSON array) is reported here
   * and skipped instead of failing the file; the upload report lists them.
   */
  onBadRecord?: (error: L1g1Error) => void;
}
