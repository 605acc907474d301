/**
 * Reads a ustar archive as it arrives: a Transform from bytes to members,
 * each a `member` event (its path) followed by its body as `data` events,
 * never holding more than one header block. Only regular files are
 * members; directories are skipped; links, devices and extension headers
 * are refused, as are absolute paths and `..` (an archive names places
 * inside the import, nothing else). Every refusal is a TarError saying
 * what is wrong.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { decodeTarHeader, TAR_BLOCK_BYTES, TarError } from './tar-header';

export type TarReadEvent = { kind: 'member'; path: string } | { kind: 'data'; bytes: Buffer };

export interface TarReaderOptions {
  /** Largest member body accepted. */
  maxMemberBytes: number;
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  '1': 'a hard link',
  '2': 'a symbolic link',
  '3': 'a character device',
  '4': 'a block device',
  '6': 'a FIFO',
  '7': 'a contiguous file',
  x: 'a pax extended header',
  g: 'a pax global header',
  L: 'a GNU long name',
  K: 'a GNU long link name',
};

/** The member path without a leading `./`; a TarError for absolute, `..` or empty paths. */
export function memberPath(raw: string): string {
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw) || raw.includes('\\')) throw new TarError(`member "${raw.slice(0, 100)}" has an absolute or non-POSIX path`);
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new TarError(`member "${raw.slice(0, 100)}" climbs out of the archive with ".."`);
  return parts.join('/');
}

export function createTarReader(options: TarReaderOptions): Transform {
  let pending: Buffer = Buffer.alloc(0);
  /** Bytes of the current member's body still to come, then its padding. */
  let body = 0;
  let padding = 0;
  let ended = false;
  let members = 0;
  const step = (push: (e: TarReadEvent) => void): void => {
    while (!ended) {
      if (body > 0) {
        if (pending.length === 0) return;
        const take = pending.subarray(0, Math.min(body, pending.length));
        pending = pending.subarray(take.length);
        body -= take.length;
        push({ kind: 'data', bytes: Buffer.from(take) });
        continue;
      }
      if (padding > 0) {
        const skip = Math.min(padding, pending.length);
        pending = pending.subarray(skip);
        padding -= skip;
        if (padding > 0) return;
        continue;
      }
      if (pending.length < TAR_BLOCK_BYTES) return;
      const header = decodeTarHeader(pending.subarray(0, TAR_BLOCK_BYTES));
      pending = pending.subarray(TAR_BLOCK_BYTES);
      if (header === null) {
        // The end-of-archive marker: what follows (the second zero block, record padding) is not read.
        ended = true;
        return;
      }
      const path = memberPath(header.path);
      if (header.typeflag === '5') {
        if (header.size !== 0) throw new TarError(`directory "${path}" states a size`);
        continue;
      }
      if (header.typeflag !== '0') throw new TarError(`member "${path}" is ${TYPE_NAMES[header.typeflag] ?? `of type '${header.typeflag}'`}; only regular files and directories are accepted`);
      if (path === '') throw new TarError('a file member has an empty name');
      if (header.size > options.maxMemberBytes) throw new TarError(`member "${path}" is ${header.size} bytes, more than the ${options.maxMemberBytes} bytes a member may hold`);
      members++;
      push({ kind: 'member', path });
      body = header.size;
      padding = (TAR_BLOCK_BYTES - (header.size % TAR_BLOCK_BYTES)) % TAR_BLOCK_BYTES;
    }
  };
  return new Transform({
    readableObjectMode: true,
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      if (ended) return callback();
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      try {
        step((e) => this.push(e));
        callback();
      } catch (err: unknown) {
        callback(err as Error);
      }
    },
    flush(callback: TransformCallback) {
      if (ended) return callback();
      if (members === 0 && body === 0 && pending.length === 0) return callback(new TarError('the archive is empty'));
      const where = body > 0 || padding > 0 ? 'in the middle of a member' : 'without its end-of-archive blocks';
      callback(new TarError(`the archive is cut short: it ends ${where}`));
    },
  });
}
