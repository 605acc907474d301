import { extract as createExtract, type Extract } from 'tar-stream';
import { L1g1Error } from '@l1g1/kit';
import type { FileSource } from '../../domain/record';
import { type ArchiveBudget, malformedArchiveError } from './archive-limits';
import { createEntrySource, type EntryItem } from './entry-source';
import { refusedEntryError, unsafeEntryPathError } from './entry-errors';
import { safeEntryPath } from './safe-entry-path';

const BLOCK = 512;

/** Writes `chunks` into the extractor with backpressure; a failure of the source destroys it, so the reader sees the error. */
function feed(extract: Extract, chunks: AsyncIterable<Uint8Array>): void {
  const waitForRoom = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        extract.off('drain', done);
        extract.off('close', done);
        resolve();
      };
      extract.once('drain', done);
      extract.once('close', done);
    });
  void (async () => {
    for await (const chunk of chunks) {
      if (extract.destroyed) return;
      if (!extract.write(chunk)) await waitForRoom();
    }
    extract.end(undefined);
  })().catch((err: unknown) => extract.destroy(err instanceof Error ? err : new Error(String(err))));
}

/**
 * A tar's entries (the bytes already inflated when it was a tar.gz) as
 * sources named `<archive>/<path>`, streamed in order: nothing is held but
 * the entry being read. Declared sizes are checked at each header before
 * its data is read; real sizes are counted as they stream. Directories are
 * passed over; links and devices are refused one by one.
 */
export async function* tarEntries(archive: string, chunks: AsyncIterable<Uint8Array>, budget: ArchiveBudget): AsyncGenerator<EntryItem> {
  const extract = createExtract();
  feed(extract, chunks);
  // Where the next header starts, for a malformed header's byte offset (a pax block before it is not counted).
  let headerOffset = 0;
  const iterator = extract[Symbol.asyncIterator]();
  try {
    for (;;) {
      let next: Awaited<ReturnType<typeof iterator.next>>;
      try {
        next = await iterator.next();
      } catch (err) {
        if (err instanceof L1g1Error) throw err;
        throw malformedArchiveError(archive, headerOffset, 'not a valid tar stream', err);
      }
      if (next.done === true) return;
      const entry = next.value;
      const header = entry.header;
      const size = header.size ?? 0;
      const at = entry.offset;
      headerOffset = at + BLOCK + Math.ceil(size / BLOCK) * BLOCK;
      if (header.type === 'directory') {
        entry.resume();
        continue;
      }
      budget.countEntry(archive);
      const safe = safeEntryPath(header.name);
      if (safe === undefined) {
        entry.resume();
        yield { kind: 'skipped', name: `${archive}/${header.name}`, error: unsafeEntryPathError(archive, header.name) };
        continue;
      }
      const shown = `${archive}/${safe}`;
      if (header.type !== 'file' && header.type !== 'contiguous-file') {
        entry.resume();
        yield { kind: 'skipped', name: shown, error: refusedEntryError(archive, safe, `a ${header.type ?? 'special'} entry, not a file`) };
        continue;
      }
      // A tar stores entries uncompressed: the gzip stream's ratio is checked where it inflates.
      budget.checkDeclared(archive, safe, size, size);
      const source = createEntrySource(
        shown,
        size,
        async function* () {
          // Not `for await`: breaking out of it destroys the entry, and tar-stream then destroys the
          // whole archive. A reader that stops early leaves the rest to `resume()` below.
          const chunks = entry[Symbol.asyncIterator]();
          try {
            for (;;) {
              const next = await chunks.next();
              if (next.done === true) return;
              yield next.value as Uint8Array; // streamx types chunks as unknown; a tar entry's are bytes
            }
          } catch (err) {
            if (err instanceof L1g1Error) throw err;
            throw malformedArchiveError(archive, at, `entry ${safe} is cut short`, err);
          }
        },
        (soFar, chunk) => budget.addBytes(archive, safe, soFar, chunk),
      );
      yield { kind: 'file', source };
      // The reader did not read it (or stopped early): skip the rest so the next header can be reached.
      if (!entry.destroyed) entry.resume();
    }
  } finally {
    extract.destroy();
  }
}

/** A plain tar as it streams. */
export function plainTarEntries(source: FileSource, budget: ArchiveBudget): AsyncGenerator<EntryItem> {
  return tarEntries(source.name, source.stream(), budget);
}
