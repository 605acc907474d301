import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs';
import { clipByGlobalNorm } from '../src/optim/clip-grad-norm';

describe('trainer optim: global-norm gradient clipping', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('scales all gradients together by max_norm / (norm + 1e-6) when the global norm is above max_norm', () => {
    const grads = { a: tf.tensor1d([3, 4]), b: tf.tensor2d([[12]]) }; // global norm √(9 + 16 + 144) = 13
    const { grads: clipped, norm } = clipByGlobalNorm(grads, 6.5);
    assert.equal(Math.round(norm * 1e5) / 1e5, 13);
    const coef = 6.5 / (13 + 1e-6);
    const a = Array.from(clipped.a?.dataSync() ?? []);
    const b = Array.from(clipped.b?.dataSync() ?? []);
    [[a[0], 3 * coef], [a[1], 4 * coef], [b[0], 12 * coef]].forEach(([x, e]) => assert.ok(Math.abs((x as number) - (e as number)) < 1e-6, `${x} vs ${e}`));
    assert.deepEqual(clipped.b?.shape, [1, 1]);
    tf.dispose([grads.a, grads.b, ...Object.values(clipped)]);
  });

  it('leaves gradients under the limit unchanged and still reports their norm', () => {
    const grads = { a: tf.tensor1d([0.3, 0.4]) };
    const { grads: clipped, norm } = clipByGlobalNorm(grads, 1);
    assert.ok(Math.abs(norm - 0.5) < 1e-7);
    assert.deepEqual(Array.from(clipped.a?.dataSync() ?? []), Array.from(grads.a.dataSync()));
    tf.dispose([grads.a, ...Object.values(clipped)]);
  });

  it('skips a variable the loss does not reach (a null gradient), as AdamW does', () => {
    const grads = { a: tf.tensor1d([3, 4]), table: null } as unknown as tf.NamedTensorMap;
    const { grads: clipped, norm } = clipByGlobalNorm(grads, 1);
    assert.ok(Math.abs(norm - 5) < 1e-6);
    assert.equal('table' in clipped, false);
    tf.dispose([grads['a'] as tf.Tensor, ...Object.values(clipped)]);
  });
});
