/**
 * Tensor plumbing shared by inference, the gateway and the load harness:
 * datatype names, element sizes, and conversions between JSON arrays, OIP
 * typed contents and raw little-endian bytes. Validation errors name the
 * tensor so that a user can fix the request.
 */
import { common, oip } from '@l1g1/contracts';
import { float16ToFloat32, float32ToFloat16, type OipDatatype } from '@l1g1/onnx';
import { errors } from './errors';

export { float16ToFloat32, float32ToFloat16 };

export type { OipDatatype };

const DT = common.DataType;
const TO_OIP: ReadonlyMap<common.DataType, OipDatatype> = new Map([
  [DT.DATA_TYPE_BOOL, 'BOOL'],
  [DT.DATA_TYPE_UINT8, 'UINT8'],
  [DT.DATA_TYPE_UINT16, 'UINT16'],
  [DT.DATA_TYPE_UINT32, 'UINT32'],
  [DT.DATA_TYPE_UINT64, 'UINT64'],
  [DT.DATA_TYPE_INT8, 'INT8'],
  [DT.DATA_TYPE_INT16, 'INT16'],
  [DT.DATA_TYPE_INT32, 'INT32'],
  [DT.DATA_TYPE_INT64, 'INT64'],
  [DT.DATA_TYPE_FP16, 'FP16'],
  [DT.DATA_TYPE_FP32, 'FP32'],
  [DT.DATA_TYPE_FP64, 'FP64'],
  [DT.DATA_TYPE_BYTES, 'BYTES'],
  [DT.DATA_TYPE_BF16, 'BF16'],
] as [common.DataType, OipDatatype][]);
const FROM_OIP: ReadonlyMap<string, common.DataType> = new Map([...TO_OIP].map(([k, v]) => [v, k]));

export function dataTypeToOip(dt: common.DataType): OipDatatype | undefined {
  return TO_OIP.get(dt);
}

export function oipToDataType(name: string): common.DataType | undefined {
  return FROM_OIP.get(name.toUpperCase());
}

const SIZES: Readonly<Record<OipDatatype, number>> = {
  BOOL: 1,
  UINT8: 1,
  INT8: 1,
  UINT16: 2,
  INT16: 2,
  FP16: 2,
  BF16: 2,
  UINT32: 4,
  INT32: 4,
  FP32: 4,
  UINT64: 8,
  INT64: 8,
  FP64: 8,
  BYTES: 0,
};

/** Bytes per element; 0 for BYTES (variable length). */
export function elementSize(dt: OipDatatype): number {
  return SIZES[dt];
}

export function isOipDatatype(name: string): name is OipDatatype {
  return Object.prototype.hasOwnProperty.call(SIZES, name);
}

/** Number of elements of a shape; throws on negative or non-integer dims. */
export function elementCount(shape: readonly number[], field = 'shape'): number {
  let n = 1;
  for (const [i, d] of shape.entries()) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw errors.invalidArgument(`${field}[${i}]`, `dimension must be a non-negative integer, got ${String(d)}`);
    }
    n *= d;
  }
  return n;
}

// Scratch views for bf16 bit conversion.
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

// --- BYTES ---------------------------------------------------------------

/** BYTES elements, each prefixed by a 4-byte little-endian length. */
export function encodeBytesElements(items: readonly (Uint8Array | string)[]): Buffer {
  const bufs = items.map((it) => (typeof it === 'string' ? Buffer.from(it, 'utf8') : Buffer.from(it)));
  const out = Buffer.allocUnsafe(bufs.reduce((s, b) => s + 4 + b.length, 0));
  let off = 0;
  for (const b of bufs) {
    out.writeUInt32LE(b.length, off);
    b.copy(out, off + 4);
    off += 4 + b.length;
  }
  return out;
}

export function decodeBytesElements(raw: Uint8Array, field = 'raw'): Buffer[] {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const out: Buffer[] = [];
  let off = 0;
  while (off < buf.length) {
    if (off + 4 > buf.length) throw errors.invalidArgument(field, 'truncated BYTES element length prefix');
    const len = buf.readUInt32LE(off);
    if (off + 4 + len > buf.length) throw errors.invalidArgument(field, 'BYTES element runs past the end of the data');
    out.push(buf.subarray(off + 4, off + 4 + len));
    off += 4 + len;
  }
  return out;
}

// --- JSON <-> raw --------------------------------------------------------

function flatten(data: unknown, out: unknown[]): void {
  if (Array.isArray(data)) for (const d of data) flatten(d, out);
  else out.push(data);
}

/**
 * JSON `data` (flat or nested, row-major) → raw little-endian bytes.
 * Checks element count against the shape and each element's type.
 */
export function jsonToRaw(datatype: OipDatatype, shape: readonly number[], data: unknown, field: string): Buffer {
  const expected = elementCount(shape, `${field}.shape`);
  // Hot path: a flat array (the usual REST body) needs no copy into another array.
  const flat: unknown[] = Array.isArray(data) && (data.length === 0 || !Array.isArray(data[0])) ? data : [];
  if (flat !== data) flatten(data, flat);
  if (flat.length !== expected) {
    throw errors.invalidArgument(`${field}.data`, `has ${flat.length} elements but shape [${shape.join(', ')}] needs ${expected}`, {
      reason: 'INVALID_TENSOR_SHAPE',
    });
  }
  if (datatype === 'BYTES') {
    return encodeBytesElements(
      flat.map((v, i) => {
        if (typeof v !== 'string') throw errors.invalidArgument(`${field}.data[${i}]`, 'BYTES elements must be strings');
        return v;
      }),
    );
  }
  const size = elementSize(datatype);
  const buf = Buffer.allocUnsafe(expected * size);
  const num = (v: unknown, i: number): number => {
    // Inputs must be finite: JSON has no NaN, but 1e999 parses to Infinity.
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'boolean' && datatype === 'BOOL') return v ? 1 : 0;
    throw errors.invalidArgument(`${field}.data[${i}]`, typeof v === 'number' ? `expected a finite ${datatype} number, got ${v}` : `expected a ${datatype} number, got ${JSON.stringify(v)}`, {
      reason: 'INVALID_TENSOR_DATA',
    });
  };
  const int = (v: unknown, i: number, lo: number, hi: number): number => {
    const n = num(v, i);
    if (!Number.isInteger(n) || n < lo || n > hi) {
      throw errors.invalidArgument(`${field}.data[${i}]`, `${n} is not a valid ${datatype}`, { reason: 'INVALID_TENSOR_DATA' });
    }
    return n;
  };
  switch (datatype) {
    case 'FP32': {
      const view = new Float32Array(buf.buffer, buf.byteOffset, expected);
      for (let i = 0; i < expected; i++) view[i] = num(flat[i], i);
      break;
    }
    case 'FP64':
      for (let i = 0; i < expected; i++) buf.writeDoubleLE(num(flat[i], i), i * 8);
      break;
    case 'FP16':
      for (let i = 0; i < expected; i++) buf.writeUInt16LE(float32ToFloat16(num(flat[i], i)), i * 2);
      break;
    case 'BF16':
      for (let i = 0; i < expected; i++) {
        f32[0] = num(flat[i], i);
        buf.writeUInt16LE((u32[0] as number) >>> 16, i * 2);
      }
      break;
    case 'BOOL':
      for (let i = 0; i < expected; i++) buf[i] = num(flat[i], i) ? 1 : 0;
      break;
    case 'INT8':
      for (let i = 0; i < expected; i++) buf.writeInt8(int(flat[i], i, -128, 127), i);
      break;
    case 'UINT8':
      for (let i = 0; i < expected; i++) buf.writeUInt8(int(flat[i], i, 0, 255), i);
      break;
    case 'INT16':
      for (let i = 0; i < expected; i++) buf.writeInt16LE(int(flat[i], i, -32768, 32767), i * 2);
      break;
    case 'UINT16':
      for (let i = 0; i < expected; i++) buf.writeUInt16LE(int(flat[i], i, 0, 65535), i * 2);
      break;
    case 'INT32':
      for (let i = 0; i < expected; i++) buf.writeInt32LE(int(flat[i], i, -(2 ** 31), 2 ** 31 - 1), i * 4);
      break;
    case 'UINT32':
      for (let i = 0; i < expected; i++) buf.writeUInt32LE(int(flat[i], i, 0, 2 ** 32 - 1), i * 4);
      break;
    case 'INT64':
      for (let i = 0; i < expected; i++) {
        buf.writeBigInt64LE(BigInt(int(flat[i], i, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)), i * 8);
      }
      break;
    case 'UINT64':
      for (let i = 0; i < expected; i++) buf.writeBigUInt64LE(BigInt(int(flat[i], i, 0, Number.MAX_SAFE_INTEGER)), i * 8);
      break;
  }
  return buf;
}

/** Raw bytes → a flat JSON array (numbers, booleans, or strings for BYTES). */
export function rawToJson(datatype: OipDatatype, raw: Uint8Array): (number | boolean | string)[] {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const size = elementSize(datatype);
  if (datatype === 'BYTES') return decodeBytesElements(buf).map((b) => b.toString('utf8'));
  const n = buf.length / size;
  const out = new Array<number | boolean>(n);
  for (let i = 0; i < n; i++) {
    switch (datatype) {
      case 'FP32':
        out[i] = buf.readFloatLE(i * 4);
        break;
      case 'FP64':
        out[i] = buf.readDoubleLE(i * 8);
        break;
      case 'FP16':
        out[i] = float16ToFloat32(buf.readUInt16LE(i * 2));
        break;
      case 'BF16':
        u32[0] = buf.readUInt16LE(i * 2) << 16;
        out[i] = f32[0] as number;
        break;
      case 'BOOL':
        out[i] = buf[i] !== 0;
        break;
      case 'INT8':
        out[i] = buf.readInt8(i);
        break;
      case 'UINT8':
        out[i] = buf.readUInt8(i);
        break;
      case 'INT16':
        out[i] = buf.readInt16LE(i * 2);
        break;
      case 'UINT16':
        out[i] = buf.readUInt16LE(i * 2);
        break;
      case 'INT32':
        out[i] = buf.readInt32LE(i * 4);
        break;
      case 'UINT32':
        out[i] = buf.readUInt32LE(i * 4);
        break;
      case 'INT64':
        out[i] = Number(buf.readBigInt64LE(i * 8));
        break;
      case 'UINT64':
        out[i] = Number(buf.readBigUInt64LE(i * 8));
        break;
    }
  }
  return out;
}

// --- OIP typed contents <-> raw -----------------------------------------

/** The OIP `InferTensorContents` field that carries a datatype. */
export function contentsToRaw(
  datatype: OipDatatype,
  shape: readonly number[],
  contents: oip.InferTensorContents,
  field: string,
): Buffer {
  const pick = (): unknown[] => {
    switch (datatype) {
      case 'BOOL':
        return contents.boolContents;
      case 'INT8':
      case 'INT16':
      case 'INT32':
        return contents.intContents;
      case 'INT64':
        return contents.int64Contents;
      case 'UINT8':
      case 'UINT16':
      case 'UINT32':
        return contents.uintContents;
      case 'UINT64':
        return contents.uint64Contents;
      case 'FP32':
        return contents.fp32Contents;
      case 'FP64':
        return contents.fp64Contents;
      case 'BYTES':
        return contents.bytesContents.map((b) => Buffer.from(b).toString('utf8'));
      case 'FP16':
      case 'BF16':
        throw errors.invalidArgument(`${field}.contents`, `${datatype} tensors must be sent in raw_input_contents`);
    }
  };
  if (datatype === 'BYTES') {
    const items = contents.bytesContents;
    if (items.length !== elementCount(shape, `${field}.shape`)) {
      throw errors.invalidArgument(`${field}.contents`, `has ${items.length} elements, shape needs ${elementCount(shape)}`);
    }
    return encodeBytesElements(items);
  }
  return jsonToRaw(datatype, shape, pick(), field);
}

/** Raw bytes → OIP typed contents. */
export function rawToContents(datatype: OipDatatype, raw: Uint8Array): oip.InferTensorContents {
  const contents = oip.InferTensorContents.create();
  if (datatype === 'BYTES') {
    contents.bytesContents = decodeBytesElements(raw);
    return contents;
  }
  const values = rawToJson(datatype, raw);
  switch (datatype) {
    case 'BOOL':
      contents.boolContents = values as boolean[];
      break;
    case 'INT8':
    case 'INT16':
    case 'INT32':
      contents.intContents = values as number[];
      break;
    case 'INT64':
      contents.int64Contents = values as number[];
      break;
    case 'UINT8':
    case 'UINT16':
    case 'UINT32':
      contents.uintContents = values as number[];
      break;
    case 'UINT64':
      contents.uint64Contents = values as number[];
      break;
    case 'FP32':
      contents.fp32Contents = values as number[];
      break;
    case 'FP64':
    case 'FP16':
    case 'BF16':
      contents.fp64Contents = values as number[];
      break;
  }
  return contents;
}

/**
 * The `[rows, classes]` score rows of a model answer: the output named
 * `name` (else the first), FP32 or FP16, checked against the expected size.
 * A mismatch is the served model's fault, not the caller's request:
 * FAILED_PRECONDITION naming `model` (callers: the evaluator, labeling's
 * pre-labels).
 */
export function outputScoreRows(outputs: readonly common.Tensor[], name: string, rows: number, classes: number): number[][] {
  const tensor = outputs.find((o) => o.name === name) ?? outputs[0];
  const dt = tensor ? dataTypeToOip(tensor.datatype) : undefined;
  if (!tensor || !dt) throw errors.failedPrecondition(`model: the model answered no "${name}" output`, { field: 'model', reason: 'MODEL_OUTPUT_UNSUPPORTED' });
  const values = rawToJson(dt, tensor.rawData) as number[];
  if (values.length !== rows * classes) {
    throw errors.failedPrecondition(`model: output "${name}" holds ${values.length} values for ${rows} rows and ${classes} classes`, { field: 'model', reason: 'MODEL_OUTPUT_UNSUPPORTED' });
  }
  return Array.from({ length: rows }, (_, r) => values.slice(r * classes, (r + 1) * classes));
}
