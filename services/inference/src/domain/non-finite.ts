import type { OipDatatype } from '@l1g1/kit';

/** What a non-finite element was, for the error message. */
export type NonFiniteKind = 'NaN' | 'Infinity' | '-Infinity';

/**
 * The first NaN or ±Infinity in raw little-endian FP16 / FP32 / FP64 bytes,
 * or undefined (and undefined for every other datatype). A linear scan: ~1-3 ns
 * per element (measured in docs-drafts/inference.md), so it runs inline with validation.
 */
export function firstNonFinite(datatype: OipDatatype, data: Uint8Array): { index: number; kind: NonFiniteKind } | undefined {
  switch (datatype) {
    case 'FP16': {
      const n = data.byteLength >>> 1;
      for (let i = 0; i < n; i++) {
        const bits = data[2 * i]! | (data[2 * i + 1]! << 8);
        // Exponent all ones: Infinity (mantissa 0) or NaN.
        if ((bits & 0x7c00) === 0x7c00) {
          return { index: i, kind: (bits & 0x03ff) !== 0 ? 'NaN' : bits & 0x8000 ? '-Infinity' : 'Infinity' };
        }
      }
      return undefined;
    }
    case 'FP32':
    case 'FP64': {
      const size = datatype === 'FP32' ? 4 : 8;
      const n = Math.floor(data.byteLength / size);
      // One monomorphic loop per case (a typed view needs an aligned offset; protobuf-decoded buffers often are not).
      const at = data.byteOffset % size === 0 ? scanView(size === 4 ? new Float32Array(data.buffer, data.byteOffset, n) : new Float64Array(data.buffer, data.byteOffset, n)) : scanUnaligned(data, size, n);
      return at < 0 ? undefined : { index: at, kind: kindOf(readElement(data, size, at)) };
    }
    default:
      return undefined;
  }
}

/** Index of the first non-finite element, or -1. `x - x` is 0 for every finite x and NaN otherwise. */
function scanView(view: Float32Array | Float64Array): number {
  for (let i = 0; i < view.length; i++) {
    const x = view[i]!;
    if (x - x !== 0) return i;
  }
  return -1;
}

function scanUnaligned(data: Uint8Array, size: 4 | 8, n: number): number {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (size === 4) {
    for (let i = 0; i < n; i++) {
      const x = dv.getFloat32(i * 4, true);
      if (x - x !== 0) return i;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const x = dv.getFloat64(i * 8, true);
      if (x - x !== 0) return i;
    }
  }
  return -1;
}

function readElement(data: Uint8Array, size: 4 | 8, index: number): number {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return size === 4 ? dv.getFloat32(index * 4, true) : dv.getFloat64(index * 8, true);
}

function kindOf(x: number): NonFiniteKind {
  return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
}
