import { createGunzip } from 'node:zlib';
import { Readable, pipeline } from 'node:stream';
import { L1g1Error } from '@l1g1/kit';
import type { FileSource } from '../../domain/record';
import { type ArchiveBudget, malformedArchiveError } from './archive-limits';

/**
 * A gzip file's content, streamed: compressed bytes are counted on the way
 * in, inflated ones on the way out, and the stream stops as soon as their
 * ratio passes the limit (past the floor) — a 100 MB run of zeros is
 * refused after the first megabytes, not after inflating it all.
 */
export async function* inflatedChunks(source: FileSource, budget: ArchiveBudget): AsyncGenerator<Uint8Array> {
  let compressed = 0;
  let inflated = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of source.stream()) {
      compressed += chunk.byteLength;
      yield chunk;
    }
  }
  const gunzip = createGunzip();
  // The pipeline's own error reaches the loop below through gunzip, which it destroys with it.
  pipeline(Readable.from(counted()), gunzip, () => undefined);
  try {
    for await (const chunk of gunzip) {
      const bytes = chunk as Buffer;
      inflated += bytes.byteLength;
      budget.checkRatio(source.name, 'the gzip stream', inflated, compressed);
      yield bytes;
    }
  } catch (err) {
    if (err instanceof L1g1Error) throw err;
    throw malformedArchiveError(source.name, compressed, 'not a valid gzip stream', err);
  } finally {
    gunzip.destroy();
  }
}
