import type { FileSource } from '../../domain/record';
import type { ArchiveBudget } from './archive-limits';
import { createEntrySource, type EntrySource } from './entry-source';
import { inflatedChunks } from './inflated-chunks';

/**
 * A gzip file that is not a tar.gz holds one file: `notes.csv.gz` becomes
 * `notes.csv.gz/notes.csv`, streamed through the ratio and size checks.
 */
export function gzipEntry(source: FileSource, budget: ArchiveBudget): EntrySource {
  const base = source.name.split('/').pop() ?? source.name;
  const inner = base.replace(/\.gz$/i, '') || 'content';
  const path = inner === base ? `${base}.out` : inner;
  const name = `${source.name}/${path}`;
  return createEntrySource(
    name,
    undefined,
    () => inflatedChunks(source, budget),
    (soFar, chunk) => budget.addBytes(source.name, path, soFar, chunk),
  );
}
