import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import { errors } from '@l1g1/kit';

/**
 * The checkpoint file, self-describing and language-neutral:
 *
 *   "L1G1CKPT" | u32 LE format version | u32 LE header length H | header JSON (UTF-8, H bytes)
 *   | tensor payloads, little-endian, each at its header offset (relative to the payload start)
 *   | sha256 of every byte before it (32 bytes)
 *
 * The header lists each tensor (name, group, dtype, shape, offset, byte length) and carries the
 * training state as JSON. Float32 weights are stored raw, so a restore is bit-exact.
 */
export const CHECKPOINT_MAGIC = 'L1G1CKPT';
export const CHECKPOINT_FORMAT_VERSION = 1;
const PREFIX_BYTES = 8 + 4 + 4;
const DIGEST_BYTES = 32;
/** A header larger than this is not one of ours (it lists tensors, it does not hold them). */
export const MAX_CHECKPOINT_HEADER_BYTES = 16 * 1024 * 1024;

export type CheckpointDtype = 'float32' | 'int32';

export interface CheckpointTensor {
  name: string;
  /** What the tensor is: `weights`, `optimizer.m`, `optimizer.v`, … */
  group: string;
  dtype: CheckpointDtype;
  shape: number[];
  values: Float32Array | Int32Array;
}

interface TensorEntry {
  name: string;
  group: string;
  dtype: CheckpointDtype;
  shape: number[];
  offset: number;
  byte_length: number;
}

export interface CheckpointFile<S> {
  state: S;
  tensors: CheckpointTensor[];
}

const corrupt = (why: string) =>
  errors.failedPrecondition(`checkpoint is unreadable: ${why}`, { reason: 'CHECKPOINT_CORRUPT', field: 'checkpoint' });

function littleEndianBytes(values: Float32Array | Int32Array): Buffer {
  const copy = Buffer.from(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  return endianness() === 'LE' ? copy : copy.swap32();
}

/** Writes tensors and a JSON-serialisable state into one checkpoint buffer. */
export function encodeCheckpoint<S>(file: CheckpointFile<S>): Buffer {
  const entries: TensorEntry[] = [];
  const payloads: Buffer[] = [];
  let offset = 0;
  for (const t of file.tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.values.length) throw new RangeError(`tensor ${t.name}: shape [${t.shape}] does not hold ${t.values.length} values`);
    const bytes = littleEndianBytes(t.values);
    entries.push({ name: t.name, group: t.group, dtype: t.dtype, shape: [...t.shape], offset, byte_length: bytes.byteLength });
    payloads.push(bytes);
    offset += bytes.byteLength;
  }
  const header = Buffer.from(
    JSON.stringify({ format: 'l1g1-checkpoint', version: CHECKPOINT_FORMAT_VERSION, tensors: entries, state: file.state }),
    'utf8',
  );
  const prefix = Buffer.alloc(PREFIX_BYTES);
  prefix.write(CHECKPOINT_MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(CHECKPOINT_FORMAT_VERSION, 8);
  prefix.writeUInt32LE(header.byteLength, 12);
  const body = Buffer.concat([prefix, header, ...payloads]);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

function isEntry(e: unknown): e is TensorEntry {
  const x = e as Partial<TensorEntry> | null;
  return (
    x !== null && typeof x === 'object' &&
    typeof x.name === 'string' && typeof x.group === 'string' &&
    (x.dtype === 'float32' || x.dtype === 'int32') &&
    Array.isArray(x.shape) && x.shape.every((d) => Number.isSafeInteger(d) && d >= 0) &&
    Number.isSafeInteger(x.offset) && Number.isSafeInteger(x.byte_length)
  );
}

/**
 * Reads a checkpoint, verifying magic, version, digest and every tensor's bounds before
 * returning anything. The state is returned as parsed JSON: the caller validates its shape.
 */
export function decodeCheckpoint(bytes: Uint8Array): CheckpointFile<unknown> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.byteLength < PREFIX_BYTES + DIGEST_BYTES || buf.toString('latin1', 0, 8) !== CHECKPOINT_MAGIC) {
    throw corrupt('not an L1G1 checkpoint');
  }
  const version = buf.readUInt32LE(8);
  if (version !== CHECKPOINT_FORMAT_VERSION) throw corrupt(`format version ${version} is not supported (this build reads ${CHECKPOINT_FORMAT_VERSION})`);
  const body = buf.subarray(0, buf.byteLength - DIGEST_BYTES);
  const digest = createHash('sha256').update(body).digest();
  if (!digest.equals(buf.subarray(buf.byteLength - DIGEST_BYTES))) throw corrupt('sha256 mismatch (truncated or altered)');
  const headerBytes = buf.readUInt32LE(12);
  if (headerBytes > MAX_CHECKPOINT_HEADER_BYTES || PREFIX_BYTES + headerBytes > body.byteLength) throw corrupt('header length out of range');
  let header: { tensors?: unknown; state?: unknown };
  try {
    header = JSON.parse(body.toString('utf8', PREFIX_BYTES, PREFIX_BYTES + headerBytes)) as typeof header;
  } catch {
    throw corrupt('header is not JSON');
  }
  if (!Array.isArray(header.tensors) || !header.tensors.every(isEntry)) throw corrupt('tensor table is malformed');
  const payload = body.subarray(PREFIX_BYTES + headerBytes);
  const tensors = header.tensors.map((e): CheckpointTensor => {
    const size = e.shape.reduce((a, b) => a * b, 1);
    if (e.byte_length !== size * 4 || e.offset < 0 || e.offset + e.byte_length > payload.byteLength) {
      throw corrupt(`tensor ${e.name} lies outside the file or does not match its shape`);
    }
    // copy out: an aligned buffer of our own, independent of the file's bytes
    const raw = Buffer.from(payload.subarray(e.offset, e.offset + e.byte_length));
    if (endianness() !== 'LE') raw.swap32();
    const ab = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength);
    const values = e.dtype === 'float32' ? new Float32Array(ab) : new Int32Array(ab);
    return { name: e.name, group: e.group, dtype: e.dtype, shape: e.shape, values };
  });
  return { state: header.state, tensors };
}
