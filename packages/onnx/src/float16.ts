// IEEE 754 half-precision conversions. Written by hand because Node 20 has no Float16Array and
// the conversion is a few lines; it must round to nearest-even to match ONNX Runtime and NumPy.

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/**
 * Converts a number to the bit pattern of the nearest IEEE 754 half-precision value
 * (round to nearest, ties to even; overflow -> ±Infinity; NaN stays NaN).
 * The number is first rounded to float32, as every ONNX producer does.
 */
export function float32ToFloat16(f: number): number {
  scratchF32[0] = f;
  const bits = scratchU32[0] ?? 0;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;

  if (exponent === 0xff) {
    return mantissa === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mantissa >>> 13);
  }
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    // Subnormal half (or zero): shift the mantissa, with its implicit leading 1, into place.
    if (halfExponent < -10) return sign;
    const full = mantissa | 0x800000;
    const shift = 14 - halfExponent;
    let half = full >>> shift;
    const remainder = full & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (remainder > halfway || (remainder === halfway && (half & 1) === 1)) half += 1;
    return sign | half;
  }
  let half = (halfExponent << 10) | (mantissa >>> 13);
  const remainder = mantissa & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to Infinity).
  if (remainder > 0x1000 || (remainder === 0x1000 && (half & 1) === 1)) half += 1;
  return sign | half;
}

/** Converts the bit pattern of an IEEE 754 half-precision value to the number it denotes. */
export function float16ToFloat32(u16: number): number {
  const sign = (u16 & 0x8000) === 0 ? 1 : -1;
  const exponent = (u16 >>> 10) & 0x1f;
  const mantissa = u16 & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** Element-wise {@link float32ToFloat16}. */
export function float32ArrayToFloat16Bits(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float32ToFloat16(values[i] ?? 0);
  return out;
}

/** Element-wise {@link float16ToFloat32}. */
export function float16BitsToFloat32Array(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = float16ToFloat32(bits[i] ?? 0);
  return out;
}
