/**
 * Download chunks of at most a given size, whatever the blob store hands
 * over. A file stream reads exactly its highWaterMark per chunk, but an S3
 * body yields whatever the HTTP connection delivered (and a byte stream may
 * join buffered chunks on read), while each chunk becomes one gRPC message
 * whose size the client chose with `chunk_size`.
 */
import { Readable } from 'node:stream';

/** Splits `source`'s chunks into pieces of at most `maxBytes` (views, not copies). */
export async function* chunksOfAtMost(source: AsyncIterable<Uint8Array>, maxBytes: number): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (let offset = 0; offset < buf.byteLength; offset += maxBytes) {
      yield buf.subarray(offset, Math.min(offset + maxBytes, buf.byteLength));
    }
  }
}

/**
 * `source` as a stream whose every read is one chunk of at most `maxBytes`.
 * Object mode keeps the pieces apart (a byte stream would join them again);
 * a high-water mark of one piece bounds what it buffers. Destroying the
 * result ends the generator, which destroys `source`.
 */
export function boundedChunkStream(source: Readable, maxBytes: number): Readable {
  return Readable.from(chunksOfAtMost(source, maxBytes), { objectMode: true, highWaterMark: 1 });
}
