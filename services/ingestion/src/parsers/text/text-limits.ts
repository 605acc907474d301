/**
 * Bounds every text parser applies, so that one hostile file (a 2 GB line, a
 * 1 GB JSON document) is refused with a clear error instead of exhausting the
 * worker's memory. Defaults fit ordinary data on one laptop.
 */
export interface TextLimits {
  /** Longest line (TXT, JSONL, SRT, VTT) or CSV record, in bytes; default 1 MiB. */
  maxLineBytes?: number;
  /** Largest single record built from many lines (a paragraph, a whole text file, a cue), in bytes; default 16 MiB. */
  maxRecordBytes?: number;
  /** Largest file read whole (JSON, HTML), in bytes; default 64 MiB. */
  maxFileBytes?: number;
}

export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;
export const DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024;
export const DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024;

/** The limits with defaults filled in; a non-positive value is a caller bug, refused by name. */
export function resolveLimits(limits: TextLimits = {}): Required<TextLimits> {
  const pick = (name: keyof TextLimits, fallback: number): number => {
    const value = limits[name];
    if (value === undefined) return fallback;
    if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer, got ${value}`);
    return value;
  };
  return {
    maxLineBytes: pick('maxLineBytes', DEFAULT_MAX_LINE_BYTES),
    maxRecordBytes: pick('maxRecordBytes', DEFAULT_MAX_RECORD_BYTES),
    maxFileBytes: pick('maxFileBytes', DEFAULT_MAX_FILE_BYTES),
  };
}
