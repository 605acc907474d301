import type { L1g1Error } from '@l1g1/kit';
import { collectBytes } from '../../domain/detect/peek-source';
import type { FileSource } from '../../domain/record';

/**
 * An archive entry as a {@link FileSource}: its bytes come from `open` once,
 * each chunk reported to `onChunk` (which throws when a limit breaks, ending
 * the read). `opened` tells whether the reader has started on it.
 */
export interface EntrySource extends FileSource {
  readonly opened: boolean;
}

/** What a container yields: an entry to read, or one refused on its own (unsafe path, link, encrypted). */
export type EntryItem = { kind: 'file'; source: EntrySource } | { kind: 'skipped'; name: string; error: L1g1Error };

export function createEntrySource(
  name: string,
  sizeBytes: number | undefined,
  open: () => AsyncIterable<Uint8Array>,
  onChunk: (entryBytesSoFar: number, chunkBytes: number) => void,
): EntrySource {
  let opened = false;
  async function* stream(): AsyncGenerator<Uint8Array> {
    if (opened) throw new Error(`${name}: stream() may be called once`);
    opened = true;
    let seen = 0;
    for await (const chunk of open()) {
      seen += chunk.byteLength;
      onChunk(seen, chunk.byteLength);
      yield chunk;
    }
  }
  return {
    name,
    ...(sizeBytes !== undefined ? { sizeBytes } : {}),
    get opened() {
      return opened;
    },
    stream,
    readAll: (maxBytes) => collectBytes(name, stream(), maxBytes),
  };
}
