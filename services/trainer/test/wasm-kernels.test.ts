import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels, WASM_KERNELS } from '../src/engine/kernels';
import { createSeededRandom } from '../src/engine/seeded-random';

/** Runs `f` on the named backend and returns its result as plain numbers (tensors freed). */
async function on(backend: 'cpu' | 'wasm', f: () => tf.Tensor): Promise<{ shape: number[]; values: number[] }> {
  assert.equal(await tf.setBackend(backend), true, `backend ${backend} starts`);
  const t = tf.tidy(f);
  const values = Array.from(await t.data());
  const shape = t.shape;
  t.dispose();
  return { shape, values };
}

function assertClose(actual: { shape: number[]; values: number[] }, expected: { shape: number[]; values: number[] }, tol = 1e-5): void {
  assert.deepEqual(actual.shape, expected.shape);
  let worst = 0;
  for (let i = 0; i < expected.values.length; i++) {
    const e = expected.values[i] as number;
    const diff = Math.abs((actual.values[i] as number) - e) / Math.max(1, Math.abs(e));
    worst = Math.max(worst, diff);
  }
  assert.ok(worst <= tol, `max relative difference ${worst} > ${tol}`);
}

describe('trainer engine: wasm kernels', () => {
  before(async () => {
    registerWasmKernels(tf);
    assert.equal(await tf.setBackend('wasm'), true);
  });
  after(async () => {
    await tf.setBackend('cpu');
  });

  it('registers Conv2DBackpropFilter and UnsortedSegmentSum for wasm, once', () => {
    for (const name of ['Conv2DBackpropFilter', 'UnsortedSegmentSum']) {
      assert.ok(tf.getKernel(name, 'wasm'), `${name} is registered for wasm`);
    }
    // a second registration would throw inside tfjs if we did not skip what is already there
    assert.deepEqual(registerWasmKernels(tf), ['Conv2DBackpropFilter', 'UnsortedSegmentSum']);
  });

  it('leaves a kernel the backend already provides in place and does not report it as ours', () => {
    const registered: string[] = [];
    const native = { kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: () => ({ dataId: {}, shape: [], dtype: 'float32' as const }) };
    const names = registerWasmKernels({
      getKernel: (name) => (name === 'UnsortedSegmentSum' ? native : undefined),
      registerKernel: (config) => registered.push(config.kernelName),
    }, WASM_KERNELS);
    assert.deepEqual(names, ['Conv2DBackpropFilter']);
    assert.deepEqual(registered, ['Conv2DBackpropFilter']);
  });

  describe('Conv2DBackpropFilter matches the cpu backend (≤ 1e-5)', () => {
    const cases: Array<{ name: string; x: [number, number, number, number]; f: [number, number, number, number]; strides: [number, number]; pad: 'same' | 'valid'; format: 'NHWC' | 'NCHW' }> = [
      { name: '3x3 same stride 1', x: [2, 5, 6, 3], f: [3, 3, 3, 4], strides: [1, 1], pad: 'same', format: 'NHWC' },
      { name: '3x3 valid stride 1', x: [2, 5, 6, 3], f: [3, 3, 3, 4], strides: [1, 1], pad: 'valid', format: 'NHWC' },
      { name: '2x3 same stride 2x1', x: [1, 7, 5, 2], f: [2, 3, 2, 3], strides: [2, 1], pad: 'same', format: 'NHWC' },
      { name: '3x2 valid stride 2', x: [3, 8, 7, 2], f: [3, 2, 2, 5], strides: [2, 2], pad: 'valid', format: 'NHWC' },
      { name: '1x1 same stride 3 (even padding split)', x: [2, 6, 6, 4], f: [1, 1, 4, 2], strides: [3, 3], pad: 'same', format: 'NHWC' },
      { name: '4x4 same stride 2 (uneven padding)', x: [1, 9, 8, 1], f: [4, 4, 1, 2], strides: [2, 2], pad: 'same', format: 'NHWC' },
      { name: 'NCHW 3x3 same stride 2', x: [2, 3, 7, 6], f: [3, 3, 3, 2], strides: [2, 2], pad: 'same', format: 'NCHW' },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const xValues = createSeededRandom(7).nextN(c.x.reduce((a, b) => a * b, 1)).map((v) => v * 2 - 1);
        const out = (backend: 'cpu' | 'wasm') => on(backend, () => {
          const x = tf.tensor4d(xValues, c.x);
          // dy has the forward output's shape (wasm's forward conv has no NCHW, so compute it)
          const { outShape } = tf.backend_util.computeConv2DInfo(
            c.x, c.f, c.strides, 1, c.pad, undefined, false, tf.backend_util.convertConv2DDataFormat(c.format));
          const size = outShape.reduce((a, b) => a * b, 1);
          const dy = tf.tensor(createSeededRandom(13).nextN(size).map((v) => v * 2 - 1), outShape);
          return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
            strides: c.strides, pad: c.pad, dataFormat: c.format, filterShape: c.f,
          } as unknown as tf.NamedAttrMap) as tf.Tensor;
        });
        const expected = await out('cpu');
        const actual = await out('wasm');
        assertClose(actual, expected);
      });
    }
  });

  it('UnsortedSegmentSum matches the cpu backend, dropping out-of-range ids', async () => {
    const xValues = createSeededRandom(11).nextN(9 * 4).map((v) => v * 2 - 1);
    const ids = [3, 0, 3, 5, -1, 2, 0, 6, 3]; // -1 and 6 (≥ numSegments) are dropped
    const run = (backend: 'cpu' | 'wasm') => on(backend, () => tf.unsortedSegmentSum(tf.tensor2d(xValues, [9, 4]), tf.tensor1d(ids, 'int32'), 6));
    assertClose(await run('wasm'), await run('cpu'));
  });

  it('UnsortedSegmentSum sums int32 values exactly', async () => {
    const r = await on('wasm', () => tf.unsortedSegmentSum(tf.tensor1d([5, 7, 11, 13], 'int32'), tf.tensor1d([1, 1, 0, 1], 'int32'), 3));
    assert.deepEqual(r, { shape: [3], values: [11, 25, 0] });
  });

  it('the gradient of an embedding lookup (tf.gather) runs on wasm and matches cpu', async () => {
    const table = Array.from({ length: 10 * 3 }, (_, i) => Math.sin(i));
    const idx = [1, 4, 4, 9, 0, 1];
    const grad = (backend: 'cpu' | 'wasm') => on(backend, () => {
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, tf.tensor1d(idx, 'int32')), tf.linspace(1, 2, 18).reshape([6, 3]))));
      return g(tf.tensor2d(table, [10, 3]));
    });
    assertClose(await grad('wasm'), await grad('cpu'));
  });

  it('a conv layer and an embedding layer train one step on wasm, as on cpu', async () => {
    const step = (backend: 'cpu' | 'wasm') => on(backend, () => {
      const conv = tf.variable(tf.tensor4d(Array.from({ length: 3 * 3 * 2 * 3 }, (_, i) => Math.cos(i) / 4), [3, 3, 2, 3]));
      const emb = tf.variable(tf.tensor2d(Array.from({ length: 5 * 2 }, (_, i) => Math.sin(i) / 2), [5, 2]));
      const ids = tf.tensor2d([[0, 3, 3, 1], [4, 2, 0, 0]], [2, 4], 'int32');
      const opt = tf.train.sgd(0.1);
      opt.minimize(() => {
        // embed tokens → a 2x2 "image" of 2 channels per example → conv → loss
        const image = tf.gather(emb, ids).reshape([2, 2, 2, 2]);
        const y = tf.conv2d(image as tf.Tensor4D, conv as unknown as tf.Tensor4D, 1, 'same');
        return tf.mean(tf.square(tf.sub(y, 1))) as tf.Scalar;
      });
      const result = tf.concat([conv.flatten(), emb.flatten()]);
      opt.dispose();
      conv.dispose();
      emb.dispose();
      return result;
    });
    assertClose(await step('wasm'), await step('cpu'));
  });
});
