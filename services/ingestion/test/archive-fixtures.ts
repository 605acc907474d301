// Test-only builders: real zip/tar/gzip bytes made with the same libraries
// users' tools interoperate with (yazl writes standard zips, tar-stream
// standard ustar), and FileSources over in-memory bytes.
import { gzipSync } from 'node:zlib';
import { pack as createPack } from 'tar-stream';
import { ZipFile } from 'yazl';
import type { FileSource } from '../src/domain/record';

export interface ZipEntrySpec {
  name: string;
  data: Buffer | string;
  compress?: boolean;
  mode?: number;
}

export async function makeZip(entries: readonly ZipEntrySpec[]): Promise<Buffer> {
  const zip = new ZipFile();
  for (const e of entries) {
    const data = typeof e.data === 'string' ? Buffer.from(e.data) : e.data;
    zip.addBuffer(data, e.name, { compress: e.compress ?? true, ...(e.mode === undefined ? {} : { mode: e.mode }) });
  }
  zip.end();
  const parts: Buffer[] = [];
  for await (const chunk of zip.outputStream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/** Replaces an entry name in place in a zip's local and central headers (same length), to forge names yazl refuses to write. */
export function renameInZip(zip: Buffer, from: string, to: string): Buffer {
  if (Buffer.byteLength(from) !== Buffer.byteLength(to)) throw new Error('renameInZip: names must have the same length');
  const out = Buffer.from(zip);
  const needle = Buffer.from(from);
  let at = out.indexOf(needle);
  let count = 0;
  while (at >= 0) {
    Buffer.from(to).copy(out, at);
    count += 1;
    at = out.indexOf(needle, at + needle.length);
  }
  if (count < 2) throw new Error(`renameInZip: ${from} found ${count} times`);
  return out;
}

export interface TarEntrySpec {
  name: string;
  data?: Buffer | string;
  type?: 'file' | 'directory' | 'symlink';
  linkname?: string;
}

export async function makeTar(entries: readonly TarEntrySpec[]): Promise<Buffer> {
  const pack = createPack();
  const parts: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of pack) parts.push(Buffer.from(chunk as Uint8Array));
  })();
  for (const e of entries) {
    const data = e.data === undefined ? Buffer.alloc(0) : typeof e.data === 'string' ? Buffer.from(e.data) : e.data;
    const isFile = e.type === undefined || e.type === 'file';
    const header = { name: e.name, type: e.type ?? 'file', ...(e.linkname === undefined ? {} : { linkname: e.linkname }), ...(isFile ? { size: data.byteLength } : {}) };
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null) => (err ? reject(err) : resolve());
      if (isFile) pack.entry(header, data, done);
      else pack.entry(header, done);
    });
  }
  pack.finalize();
  await collected;
  return Buffer.concat(parts);
}

export async function makeTarGz(entries: readonly TarEntrySpec[]): Promise<Buffer> {
  return gzipSync(await makeTar(entries));
}

/** A FileSource over bytes, streamed in chunks as an upload would arrive. */
export function bytesSource(name: string, bytes: Buffer | string, chunkBytes = 16 * 1024): FileSource {
  const data = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  let streamed = false;
  async function* stream(): AsyncGenerator<Uint8Array> {
    if (streamed) throw new Error('stream() twice');
    streamed = true;
    for (let at = 0; at < data.byteLength; at += chunkBytes) yield data.subarray(at, at + chunkBytes);
  }
  return {
    name,
    sizeBytes: data.byteLength,
    stream,
    async readAll(maxBytes) {
      if (data.byteLength > maxBytes) throw new Error('too large');
      return data;
    },
  };
}

/** Reads a source whole through its stream. */
export async function readText(source: FileSource): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const chunk of source.stream()) parts.push(chunk);
  return Buffer.concat(parts).toString('utf8');
}
