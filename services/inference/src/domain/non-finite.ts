import type { OipDatatype } from '@l1g1/kit';

/** What a non-finite element was, for the error message. */
export type NonFiniteKind = 'NaN' | 'Infinity' | '-Infinity';

/**
 * The first NaN or ±Infinity in raw little-endian FP16 / FP32 / FP64 bytes,
 * or undefined (and undefined for every other datatype). A linear scan: ~1 ns
 * per element (docs-drafts/inference.md), so it runs inline with validation.
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
      // A typed view needs an aligned offset; protobuf-decoded buffers often are not.
      const aligned = data.byteOffset % size === 0;
      const view = aligned
        ? size === 4
          ? new Float32Array(data.buffer, data.byteOffset, n)
          : new Float64Array(data.buffer, data.byteOffset, n)
        : undefined;
      const dv = aligned ? undefined : new DataView(data.buffer, data.byteOffset, data.byteLength);
      for (let i = 0; i < n; i++) {
        const v = view ? view[i]! : size === 4 ? dv!.getFloat32(i * 4, true) : dv!.getFloat64(i * 8, true);
        if (!Number.isFinite(v)) return { index: i, kind: Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity' };
      }
      return undefined;
    }
    default:
      return undefined;
  }
}
