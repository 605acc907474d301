import { createReadStream } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { InputFile } from './file-walk';

/**
 * Files as a `multipart/form-data` body produced as it is sent: one file is
 * open at a time and read in chunks only as fast as the connection takes
 * them (a pull stream), so memory stays flat whatever the folder's size.
 * Written by hand because form-data libraries build Node streams for the
 * old http module, not the web stream fetch sends.
 */
export function multipartStream(files: readonly InputFile[], onBytes: (n: number, fileDone: boolean) => void): { body: ReadableStream<Uint8Array>; contentType: string } {
  const boundary = `l1g1-${randomBytes(12).toString('hex')}`;
  const enc = new TextEncoder();
  let index = 0;
  let current: AsyncIterator<Buffer> | undefined;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (current) {
        const next = await current.next();
        if (!next.done) {
          onBytes(next.value.length, false);
          controller.enqueue(new Uint8Array(next.value.buffer, next.value.byteOffset, next.value.byteLength));
          return;
        }
        current = undefined;
        onBytes(0, true);
        controller.enqueue(enc.encode('\r\n'));
        return;
      }
      const file = files[index++];
      if (!file) {
        controller.enqueue(enc.encode(`--${boundary}--\r\n`));
        controller.close();
        return;
      }
      // Quotes and line breaks cannot be escaped in a part header: replaced, the name is metadata only.
      const name = file.name.replace(/["\r\n]/g, '_');
      controller.enqueue(enc.encode(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${name}"\r\ncontent-type: application/octet-stream\r\n\r\n`));
      current = createReadStream(file.path, { highWaterMark: 256 * 1024 })[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    },
  });
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}
