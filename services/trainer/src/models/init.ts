import * as tf from '@tensorflow/tfjs';
import { createSeededRandom, type SeededRandom } from '../engine/seeded-random';

/**
 * Seeded initial values. tfjs's initializers draw from a global, unseeded stream, so two runs
 * with the same seed would start apart; every model draws its weights from one mulberry32
 * stream instead, in a fixed order.
 */
export function createInitRandom(seed: number): SeededRandom {
  return createSeededRandom((seed ^ 0x1b873593) >>> 0);
}

/** Uniform in [-limit, limit). */
export function uniformValues(rng: SeededRandom, size: number, limit: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = (rng.next() * 2 - 1) * limit;
  return out;
}

/** Glorot (Xavier) uniform, Keras's default for Dense kernels: limit sqrt(6 / (in + out)). */
export function glorotKernel(rng: SeededRandom, name: string, inputs: number, outputs: number): tf.Variable {
  return tf.variable(tf.tensor2d(uniformValues(rng, inputs * outputs, Math.sqrt(6 / (inputs + outputs))), [inputs, outputs]), true, name);
}

export function zerosBias(name: string, units: number): tf.Variable {
  return tf.variable(tf.zeros([units]), true, name);
}
