import type { L1g1Error } from '@l1g1/kit';
import type { DetectedFormat } from '../detect/detect-format';
import type { ArchiveFormat } from '../detect/source-format';
import type { FileSource } from '../record';

/**
 * The reason an archive carries when it breaks a limit (entries, total or
 * per-entry size, compression ratio, nesting depth). Such an archive is an
 * attack or a mistake as a whole: the pipeline refuses the entire upload,
 * so the caller's atomic commit keeps nothing of it.
 */
export const ARCHIVE_LIMIT_EXCEEDED = 'ARCHIVE_LIMIT_EXCEEDED';

/** One thing an archive held: a file to parse (already detected), or an entry refused on its own. */
export type ArchiveItem =
  | { kind: 'file'; source: FileSource; detected: DetectedFormat }
  | { kind: 'skipped'; name: string; error: L1g1Error };

/**
 * What the pipeline needs from archive support (implemented in
 * adapters/archives, wired by the composition root). `expand` yields the
 * leaf files of an archive, nested archives already expanded; each item's
 * source must be read (or abandoned) before the next is pulled, since
 * entries stream out of the archive in order. A malformed archive throws
 * MALFORMED_FILE; a broken limit throws {@link ARCHIVE_LIMIT_EXCEEDED}.
 */
export interface ArchiveExpander {
  expand(source: FileSource, format: ArchiveFormat): AsyncIterable<ArchiveItem>;
}
