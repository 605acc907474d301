import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels, unsortedSegmentSumInto, unsortedSegmentSumValues } from '../src/engine/kernels';
import { createSeededRandom } from '../src/engine/seeded-random';

/** Ids with repeats, gaps (segments never named) and out-of-range values, like an embedding batch. */
function embeddingIds(count: number, numSegments: number, seed: number): Int32Array {
  const r = createSeededRandom(seed);
  return Int32Array.from({ length: count }, (_, i) => (i % 17 === 0 ? -1 : i % 23 === 0 ? numSegments : Math.floor(r.next() * (numSegments / 4)) * 4));
}

describe('trainer engine: UnsortedSegmentSum writes only what the ids name, with unchanged results', () => {
  it('gives the float64-accumulated sums bit for bit, and zeroes every segment no id names even in a dirty buffer', () => {
    const numSegments = 200;
    const innerSize = 8;
    const ids = embeddingIds(300, numSegments, 7);
    const x = Float32Array.from(createSeededRandom(9).nextN(300 * innerSize), (v) => v * 2 - 1);
    const out = new Float32Array(numSegments * innerSize).fill(Number.NaN); // recycled heap memory
    unsortedSegmentSumInto(out, x, ids, numSegments, innerSize);
    const expected = Float32Array.from(unsortedSegmentSumValues(x, ids, numSegments, innerSize));
    assert.deepEqual(Array.from(out), Array.from(expected));
    assert.ok(out.some((v) => v === 0) && out.some((v) => v !== 0), 'the case has both named and untouched segments');
  });

  it('sums int32 values exactly into an int32 output', () => {
    const out = new Int32Array(4).fill(99);
    unsortedSegmentSumInto(out, Int32Array.from([5, 7, 11, 13]), Int32Array.from([1, 1, 3, 1]), 4, 1);
    assert.deepEqual(Array.from(out), [0, 25, 0, 11]);
  });

  describe('on the wasm backend', () => {
    before(async () => {
      registerWasmKernels(tf);
      assert.equal(await tf.setBackend('wasm'), true);
    });
    after(async () => {
      await tf.setBackend('cpu');
    });

    it('an embedding gradient over a large table reuses freed heap memory and still has zero rows where no id points', async () => {
      const vocab = 4096;
      const dim = 16;
      // leave non-zero bytes in memory the next allocation of the same size is likely to get
      tf.fill([vocab, dim], 7).dispose();
      const ids = [3, 3, 4000, 17];
      const g = tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(tf.gather(t, tf.tensor1d(ids, 'int32'))))(tf.zeros([vocab, dim])));
      const values = Float32Array.from(await g.data());
      g.dispose();
      const rowSum = (row: number) => values.subarray(row * dim, (row + 1) * dim).reduce((a, b) => a + b, 0);
      assert.equal(rowSum(3), 2 * dim);
      assert.equal(rowSum(4000), dim);
      assert.equal(rowSum(17), dim);
      let others = 0;
      for (let row = 0; row < vocab; row++) if (row !== 3 && row !== 4000 && row !== 17) others += Math.abs(rowSum(row));
      assert.equal(others, 0);
    });
  });
});
