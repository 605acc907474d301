/** Weights quantized per tensor, symmetrically (zero point 0): `w ≈ q * scale`. */
export interface QuantizedInt8 {
  values: Int8Array;
  scale: number;
}

/**
 * Largest magnitude a quantized weight may take. ONNX Runtime's "reduce range" choice: 7-bit
 * weights, because x86 CPUs without VNNI run uint8 x int8 products through VPMADDUBSW, which
 * saturates int16 when two products of 255 * 127 are summed; 255 * 64 * 2 still fits.
 */
export const INT8_WEIGHT_LIMIT = 64;

/** Symmetric per-tensor quantization of `weights` to [-64, 64] (see {@link INT8_WEIGHT_LIMIT}). */
export function quantizeSymmetricInt8(weights: Float32Array): QuantizedInt8 {
  let maxAbs = 0;
  for (const w of weights) maxAbs = Math.max(maxAbs, Math.abs(w));
  // An all-zero tensor still needs a positive scale for the Mul that dequantizes it.
  const scale = Math.fround(maxAbs === 0 ? 1 : maxAbs / INT8_WEIGHT_LIMIT);
  const values = new Int8Array(weights.length);
  for (let i = 0; i < weights.length; i++) {
    const q = Math.round((weights[i] ?? 0) / scale);
    values[i] = Math.max(-INT8_WEIGHT_LIMIT, Math.min(INT8_WEIGHT_LIMIT, q));
  }
  return { values, scale };
}
