/**
 * IngestCounts from the pipeline's summary, as the proto defines them: a
 * row is counted in exactly one of kept / exact duplicates / near
 * duplicates / filtered (length, language) / failed; `rows_read` is their
 * sum; redacted rows are a subset of kept. A file that fails to parse
 * counts as one failed row (its records are discarded with it).
 */
export interface IngestCountsJson {
  files_read: number;
  bytes_read: number;
  rows_read: number;
  rows_kept: number;
  exact_duplicates: number;
  near_duplicates: number;
  filtered_length: number;
  filtered_language: number;
  rows_redacted: number;
  redactions_by_kind: Record<string, number>;
  rows_failed: number;
}

export function ingestCounts(
  s: { rowsKept: number; droppedBy: Record<string, number>; rowsRedacted: number; redactionsByKind: Record<string, number>; errors: unknown[]; filesFailed: number },
  upload: { filesRead: number; bytesRead: number },
): IngestCountsJson {
  let exact = 0;
  let near = 0;
  let length = 0;
  let language = 0;
  for (const [key, n] of Object.entries(s.droppedBy)) {
    const step = key.split('/')[0];
    if (step === 'exact_dedupe') exact += n;
    else if (step === 'near_dedupe') near += n;
    else if (step === 'language_filter') language += n;
    // Any other dropping step filters by content: counted with the length filter's (none other drops today).
    else length += n;
  }
  const failed = s.filesFailed;
  return {
    files_read: upload.filesRead,
    bytes_read: upload.bytesRead,
    rows_read: s.rowsKept + exact + near + length + language + failed,
    rows_kept: s.rowsKept,
    exact_duplicates: exact,
    near_duplicates: near,
    filtered_length: length,
    filtered_language: language,
    rows_redacted: s.rowsRedacted,
    redactions_by_kind: s.redactionsByKind,
    rows_failed: failed,
  };
}
