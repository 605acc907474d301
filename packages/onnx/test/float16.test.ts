import { strict as assert } from 'node:assert';
import {
  float16BitsToFloat32Array,
  float16ToFloat32,
  float32ArrayToFloat16Bits,
  float32ToFloat16,
} from '../src/index';

describe('float16 conversions', () => {
  it('encodes representative values to their IEEE 754 half bit patterns', () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [65504, 0x7bff], // largest finite half
      [65520, 0x7c00], // rounds up past the largest finite half: +Infinity
      [1e6, 0x7c00],
      [-Infinity, 0xfc00],
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000], // halfway to the smallest subnormal: ties to even, 0
      [3 * 2 ** -25, 0x0002], // halfway between subnormals 1 and 2: ties to even, 2
      [1 + 2 ** -11, 0x3c00], // halfway between 1 and its successor: ties to even
      [1 + 3 * 2 ** -11, 0x3c02],
      [0.1, 0x2e66],
    ];
    for (const [value, bits] of cases) {
      assert.equal(float32ToFloat16(value), bits, `float32ToFloat16(${value})`);
    }
  });

  it('keeps NaN as a NaN bit pattern', () => {
    const bits = float32ToFloat16(NaN);
    assert.equal(bits & 0x7c00, 0x7c00);
    assert.notEqual(bits & 0x03ff, 0);
    assert.ok(Number.isNaN(float16ToFloat32(bits)));
  });

  it('round-trips every non-NaN half bit pattern exactly', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      const isNaN = (bits & 0x7c00) === 0x7c00 && (bits & 0x03ff) !== 0;
      if (isNaN) continue;
      assert.equal(float32ToFloat16(float16ToFloat32(bits)), bits, `bits 0x${bits.toString(16)}`);
    }
  });

  it('converts arrays element-wise', () => {
    const values = new Float32Array([1, -2, 0.5, 65504]);
    const bits = float32ArrayToFloat16Bits(values);
    assert.deepEqual(Array.from(bits), [0x3c00, 0xc000, 0x3800, 0x7bff]);
    assert.deepEqual(float16BitsToFloat32Array(bits), values);
  });
});
