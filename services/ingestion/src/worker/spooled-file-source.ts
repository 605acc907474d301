/** A spooled file as the parsers read it: streamed from disk, or read whole up to a bound. */
import { errors } from '@l1g1/kit';
import { createReadStream } from 'node:fs';
import type { FileSource } from '../domain/record';

/**
 * Read size of spooled files (Node's default). Larger reads buffer ahead in
 * the read stream: 1 MiB reads cost ~40 MB more peak memory per upload in
 * bench-ingest, for no throughput the parsers could use.
 */
export const SPOOL_READ_CHUNK_BYTES = 64 * 1024;

export function spooledFileSource(name: string, path: string, sizeBytes: number): FileSource {
  return {
    name,
    sizeBytes,
    async *stream() {
      for await (const chunk of createReadStream(path, { highWaterMark: SPOOL_READ_CHUNK_BYTES })) yield chunk as Buffer;
    },
    async readAll(maxBytes) {
      if (sizeBytes > maxBytes) {
        throw errors.invalidArgument('file', `${name}: ${sizeBytes} bytes, more than the ${maxBytes} this format reads whole`, {
          reason: 'FILE_TOO_LARGE',
          metadata: { file: name },
        });
      }
      const chunks: Buffer[] = [];
      for await (const chunk of createReadStream(path, { highWaterMark: SPOOL_READ_CHUNK_BYTES })) chunks.push(chunk as Buffer);
      return new Uint8Array(Buffer.concat(chunks));
    },
  };
}
