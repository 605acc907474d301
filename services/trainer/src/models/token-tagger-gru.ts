import * as tf from '@tensorflow/tfjs';
import type { SeededRandom } from '../engine/seeded-random';
import { glorotKernel, zerosBias } from './init';

/** One direction of a GRU, in tfjs's layouts (kernels `[in, 3·units]`, gates z, r, h). */
export interface GruDirection {
  kernel: tf.Variable;
  recurrentKernel: tf.Variable;
  /** `[3·units]`: the input bias (Keras `resetAfter: false`; ONNX `Wb`, with `Rb = 0`). */
  bias: tf.Variable;
}

/** A GRU direction with Glorot kernels and zero biases, drawn from `rng` in a fixed order. */
export function createGruDirection(rng: SeededRandom, name: string, inputSize: number, units: number): GruDirection {
  return {
    kernel: glorotKernel(rng, `${name}/kernel`, inputSize, 3 * units),
    recurrentKernel: glorotKernel(rng, `${name}/recurrent_kernel`, units, 3 * units),
    bias: zerosBias(`${name}/bias`, 3 * units),
  };
}

/**
 * A GRU over a right-padded batch, written with plain ops so the engine differentiates it like
 * any loss (tfjs-layers' GRU cannot take the row-sparse embedding's per-batch variable, and its
 * masking does not zero padded outputs as ONNX does). Per step, Keras / ONNX
 * (`linear_before_reset = 0`) semantics with a sigmoid recurrent activation:
 *
 *   z = σ(x·Wz + bz + h·Rz), r = σ(x·Wr + br + h·Rr), h~ = tanh(x·Wh + bh + (r ⊙ h)·Rh),
 *   h' = z ⊙ h + (1 − z) ⊙ h~
 *
 * At a padded step (`mask` 0) the state is carried unchanged and the output is 0, so the
 * reverse direction starts at each row's last real token: exactly ONNX's GRU with
 * `sequence_lens`, which is how the export runs it.
 *
 * @param x `[batch, time, in]`; @param mask `[batch, time]`, 1 for real tokens (a prefix of each row).
 * @returns `[batch, time, units]`.
 */
export function maskedGru(x: tf.Tensor3D, mask: tf.Tensor2D, weights: GruDirection, units: number, reverse: boolean): tf.Tensor3D {
  const [batch, time, inputs] = x.shape;
  const projected = tf.add(tf.matMul(tf.reshape(x, [batch * time, inputs]), weights.kernel), weights.bias);
  const steps = tf.unstack(tf.reshape(projected, [batch, time, 3 * units]), 1) as tf.Tensor2D[];
  const masks = tf.unstack(tf.expandDims(mask, 2), 1) as tf.Tensor2D[];
  const [rz, rr, rh] = tf.split(weights.recurrentKernel, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  let h: tf.Tensor2D = tf.zeros([batch, units]);
  const outputs: tf.Tensor2D[] = new Array<tf.Tensor2D>(time);
  for (let k = 0; k < time; k++) {
    const t = reverse ? time - 1 - k : k;
    const [xz, xr, xh] = tf.split(steps[t] as tf.Tensor2D, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const m = masks[t] as tf.Tensor2D;
    const z = tf.sigmoid(tf.add(xz, tf.matMul(h, rz)));
    const r = tf.sigmoid(tf.add(xr, tf.matMul(h, rr)));
    const candidate = tf.tanh(tf.add(xh, tf.matMul(tf.mul(r, h), rh)));
    const next = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), candidate));
    h = tf.add(tf.mul(m, next), tf.mul(tf.sub(1, m), h)) as tf.Tensor2D;
    outputs[t] = tf.mul(m, h) as tf.Tensor2D;
  }
  return tf.stack(outputs, 1) as tf.Tensor3D;
}
