import * as tf from '@tensorflow/tfjs';

/**
 * Scales every gradient by max_norm / (‖g‖ + 1e-6) when the global L2 norm ‖g‖ over all of them
 * exceeds `maxNorm` (PyTorch's `clip_grad_norm_`, including its 1e-6). Returns new tensors (the
 * caller disposes both sets) and the norm before clipping, which the step callback reports.
 */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): { grads: tf.NamedTensorMap; norm: number } {
  if (!(maxNorm > 0)) throw new RangeError(`maxNorm must be positive, got ${maxNorm}`);
  // A variable the loss does not reach has a null gradient (tf.variableGrads): AdamW skips it, so
  // does the norm (the text classifier's full embedding table; only its batch rows are read).
  const names = Object.keys(grads).filter((n) => grads[n] != null);
  const norm = tf.tidy(() => {
    const squares = names.map((n) => tf.sum(tf.square(grads[n] as tf.Tensor)));
    return squares.length === 0 ? 0 : (tf.sqrt(tf.addN(squares)).dataSync()[0] as number);
  });
  const coef = maxNorm / (norm + 1e-6);
  const clipped: tf.NamedTensorMap = {};
  for (const n of names) {
    const g = grads[n] as tf.Tensor;
    clipped[n] = coef < 1 ? tf.tidy(() => tf.mul(g, coef)) : tf.clone(g);
  }
  return { grads: clipped, norm };
}
