/** A spooled file as the parsers read it: streamed from disk, or read whole up to a bound. */
import { errors } from '@l1g1/kit';
import { createReadStream } from 'node:fs';
import type { FileSource } from '../domain/record';

export function spooledFileSource(name: string, path: string, sizeBytes: number): FileSource {
  return {
    name,
    sizeBytes,
    async *stream() {
      for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) yield chunk as Buffer;
    },
    async readAll(maxBytes) {
      if (sizeBytes > maxBytes) {
        throw errors.invalidArgument('file', `${name}: ${sizeBytes} bytes, more than the ${maxBytes} this format reads whole`, {
          reason: 'FILE_TOO_LARGE',
          metadata: { file: name },
        });
      }
      const chunks: Buffer[] = [];
      for await (const chunk of createReadStream(path)) chunks.push(chunk as Buffer);
      return new Uint8Array(Buffer.concat(chunks));
    },
  };
}
