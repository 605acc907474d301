import { detectFormat, DETECT_HEAD_BYTES } from '../../domain/detect/detect-format';
import { peekSource } from '../../domain/detect/peek-source';
import { isArchiveFormat, type ArchiveFormat } from '../../domain/detect/source-format';
import type { ArchiveExpander, ArchiveItem } from '../../domain/pipeline/archive-port';
import type { FileSource } from '../../domain/record';
import { ArchiveBudget, archiveLimitError, DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits } from './archive-limits';
import type { EntryItem } from './entry-source';
import { gzipEntry } from './gzip-entry';
import { inflatedChunks } from './inflated-chunks';
import { plainTarEntries, tarEntries } from './tar-entries';
import { zipEntries } from './zip-entries';

export interface ArchiveExpanderOptions {
  /** Where a zip is spooled while it is read (its directory is at its end); each spool file is removed when its archive is done. */
  tmpDir: string;
  limits?: Partial<ArchiveLimits>;
}

function entriesOf(source: FileSource, format: ArchiveFormat, budget: ArchiveBudget, tmpDir: string): AsyncIterable<EntryItem> {
  switch (format) {
    case 'zip':
      return zipEntries(source, budget, tmpDir);
    case 'tar':
      return plainTarEntries(source, budget);
    case 'tar_gz':
      return tarEntries(source.name, inflatedChunks(source, budget), budget);
    case 'gzip':
      return (async function* single() {
        budget.countEntry(source.name);
        yield { kind: 'file', source: gzipEntry(source, budget) } as const;
      })();
  }
}

/**
 * ZIP, tar, tar.gz and gzip expanded as streams into the files they hold,
 * each named `<archive>/<path>` and detected by content then name; archives
 * inside archives are expanded in turn, up to `maxDepth`. One budget of
 * entries and bytes covers an uploaded archive and all it nests.
 */
export function createArchiveExpander(options: ArchiveExpanderOptions): ArchiveExpander {
  const limits: Readonly<ArchiveLimits> = Object.freeze({ ...DEFAULT_ARCHIVE_LIMITS, ...options.limits });

  async function* expandInto(source: FileSource, format: ArchiveFormat, budget: ArchiveBudget, depth: number): AsyncGenerator<ArchiveItem> {
    for await (const item of entriesOf(source, format, budget, options.tmpDir)) {
      if (item.kind === 'skipped') {
        yield item;
        continue;
      }
      const peeked = await peekSource(item.source, DETECT_HEAD_BYTES);
      const detected = detectFormat({ name: item.source.name, head: peeked.head, whole: peeked.whole });
      try {
        if (!isArchiveFormat(detected.format)) {
          yield { kind: 'file', source: peeked.source, detected };
          continue;
        }
        if (depth + 1 > limits.maxDepth) {
          throw archiveLimitError(budget.root, 'maxDepth', limits.maxDepth, `${item.source.name} nests archives deeper than ${limits.maxDepth}`);
        }
        yield* expandInto(peeked.source, detected.format, budget, depth + 1);
      } finally {
        // The reader moved on: an entry it did not finish closes now, not when collected.
        await peeked.release();
      }
    }
  }

  return {
    expand(source, format) {
      return expandInto(source, format, new ArchiveBudget(limits, source.name), 1);
    },
  };
}
