/**
 * POSIX ustar headers (IEEE Std 1003.1, "pax" interchange format's ustar
 * subset): one 512-byte block before each member, every number in octal
 * ASCII, the checksum the byte sum of the block with its own field read as
 * spaces. Written by hand rather than with a tar package because the
 * gateway needs only regular files and directories, streamed one member at
 * a time with its own bounds and refusals, and the format is a page long.
 */

/** Size of a header and of the unit every member's body is padded to. */
export const TAR_BLOCK_BYTES = 512;

/** One YOLO archive member's bound (a label file is a few KiB; classes.txt smaller). */
export const TAR_MEMBER_MAX_BYTES = 16 * 1024 * 1024;

/** A member name's field; longer paths are split into `prefix` + `/` + `name`. */
const NAME_BYTES = 100;
const PREFIX_BYTES = 155;
/** 11 octal digits: the largest size a ustar header can state. */
export const TAR_MAX_SIZE = 0o77777777777;

/** Byte offsets of the fields used here (the rest stay zero). */
const F = {
  name: 0,
  mode: 100,
  uid: 108,
  gid: 116,
  size: 124,
  mtime: 136,
  checksum: 148,
  typeflag: 156,
  magic: 257,
  version: 263,
  devmajor: 329,
  devminor: 337,
  prefix: 345,
} as const;

/** A malformed archive or a member this writer cannot express; the message says what is wrong. */
export class TarError extends Error {
  override readonly name = 'TarError';
}

export type TarEntryType = 'file' | 'directory';

export interface TarEntry {
  /** Relative path with `/` separators (directories end without a slash here). */
  path: string;
  type: TarEntryType;
  size: number;
  /** Seconds since the epoch. */
  mtimeSec: number;
  mode: number;
}

/** `path` as ustar's `prefix` and `name` fields, or a TarError when no `/` splits it to fit. */
export function splitTarPath(path: string): { prefix: Buffer; name: Buffer } {
  const whole = Buffer.from(path, 'utf8');
  if (whole.length <= NAME_BYTES) return { prefix: Buffer.alloc(0), name: whole };
  // The split must fall on a `/`: the last one whose tail fits `name` and whose head fits `prefix`.
  for (let i = whole.length - 1; i > 0; i--) {
    if (whole[i] !== 0x2f) continue;
    const name = whole.subarray(i + 1);
    const prefix = whole.subarray(0, i);
    if (name.length > NAME_BYTES) break;
    if (name.length > 0 && prefix.length <= PREFIX_BYTES) return { prefix, name };
  }
  throw new TarError(`the path "${path.slice(0, 60)}…" (${whole.length} bytes) does not fit a ustar header (name 100 bytes, prefix 155, split at a "/")`);
}

function octal(value: number, width: number): string {
  // width - 1 digits and a NUL, as GNU and BSD tar write them.
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** The 512-byte ustar header of `entry`. */
export function encodeTarHeader(entry: TarEntry): Buffer {
  if (!Number.isSafeInteger(entry.size) || entry.size < 0 || entry.size > TAR_MAX_SIZE) throw new TarError(`size ${entry.size} does not fit a ustar header`);
  const block = Buffer.alloc(TAR_BLOCK_BYTES);
  const { prefix, name } = splitTarPath(entry.type === 'directory' ? `${entry.path}/` : entry.path);
  name.copy(block, F.name);
  prefix.copy(block, F.prefix);
  block.write(octal(entry.mode & 0o7777, 8), F.mode, 'ascii');
  block.write(octal(0, 8), F.uid, 'ascii');
  block.write(octal(0, 8), F.gid, 'ascii');
  block.write(octal(entry.type === 'directory' ? 0 : entry.size, 12), F.size, 'ascii');
  block.write(octal(Math.max(0, Math.floor(entry.mtimeSec)), 12), F.mtime, 'ascii');
  block.write(entry.type === 'directory' ? '5' : '0', F.typeflag, 'ascii');
  block.write('ustar\0', F.magic, 'ascii');
  block.write('00', F.version, 'ascii');
  // Zero device numbers, written as GNU tar writes them, so a header is byte-for-byte GNU tar's own.
  block.write(octal(0, 8), F.devmajor, 'ascii');
  block.write(octal(0, 8), F.devminor, 'ascii');
  // Six octal digits, NUL, space: the historical layout every reader accepts.
  block.write(`${tarChecksum(block).toString(8).padStart(6, '0')}\0 `, F.checksum, 'ascii');
  return block;
}

/** The byte sum of a header with its checksum field counted as eight spaces. */
export function tarChecksum(block: Buffer): number {
  let sum = 0;
  for (let i = 0; i < TAR_BLOCK_BYTES; i++) sum += i >= F.checksum && i < F.checksum + 8 ? 0x20 : (block[i] ?? 0);
  return sum;
}

/** Zero bytes that pad a body of `size` bytes to a whole block. */
export function tarPadding(size: number): Buffer {
  const rest = size % TAR_BLOCK_BYTES;
  return Buffer.alloc(rest === 0 ? 0 : TAR_BLOCK_BYTES - rest);
}

/** The end of an archive: two zero blocks. */
export function tarEnd(): Buffer {
  return Buffer.alloc(2 * TAR_BLOCK_BYTES);
}

function field(block: Buffer, at: number, width: number): Buffer {
  const raw = block.subarray(at, at + width);
  const nul = raw.indexOf(0);
  return nul === -1 ? raw : raw.subarray(0, nul);
}

function readOctal(block: Buffer, at: number, width: number, what: string): number {
  if (((block[at] ?? 0) & 0x80) !== 0) throw new TarError(`the ${what} is in base-256 (a GNU extension for huge values), which is not accepted`);
  const text = field(block, at, width).toString('ascii').trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarError(`the ${what} field is not an octal number`);
  return parseInt(text, 8);
}

/** What a header block says; `null` for a zero block (the end of the archive). */
export interface DecodedTarHeader {
  path: string;
  /** The raw typeflag ('0' or NUL: a file, '5': a directory, anything else is for the caller to refuse). */
  typeflag: string;
  size: number;
}

/** Decodes and checks one header block: checksum, magic, octal fields. */
export function decodeTarHeader(block: Buffer): DecodedTarHeader | null {
  if (block.length !== TAR_BLOCK_BYTES) throw new TarError('a header block is cut short');
  if (block.every((b) => b === 0)) return null;
  const stated = readOctal(block, F.checksum, 8, 'checksum');
  if (stated !== tarChecksum(block)) throw new TarError('a header checksum does not match (not a tar archive, or a damaged one)');
  const magic = block.subarray(F.magic, F.magic + 6).toString('latin1');
  // POSIX "ustar\0" and GNU's "ustar " (old GNU format, what GNU tar writes by default) share these fields.
  if (magic !== 'ustar\0' && magic !== 'ustar ') throw new TarError('a header is not ustar (pre-POSIX v7 archives are not accepted)');
  const name = field(block, F.name, NAME_BYTES).toString('utf8');
  const prefix = magic === 'ustar\0' ? field(block, F.prefix, PREFIX_BYTES).toString('utf8') : '';
  const typeflag = String.fromCharCode(block[F.typeflag] ?? 0);
  return { path: prefix === '' ? name : `${prefix}/${name}`, typeflag: typeflag === '\0' ? '0' : typeflag, size: readOctal(block, F.size, 12, 'size') };
}
