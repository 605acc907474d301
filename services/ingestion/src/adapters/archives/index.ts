/** Archive expansion (ZIP, tar, tar.gz, gzip) as streams, with limits against bombs and unsafe paths. */
export { createArchiveExpander, type ArchiveExpanderOptions } from './expand-archive';
export { DEFAULT_ARCHIVE_LIMITS, ArchiveBudget, archiveLimitError, malformedArchiveError, type ArchiveLimits } from './archive-limits';
export { safeEntryPath } from './safe-entry-path';
export { unsafeEntryPathError, refusedEntryError } from './entry-errors';
