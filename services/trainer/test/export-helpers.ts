// Shared by the export tests: seeded tfjs models, running exported bytes in onnxruntime-node, and
// comparing outputs. Real components only: tfjs's cpu backend computes the reference, ORT runs
// the exported model.
import { createMulberry32 } from '@l1g1/onnx';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';

/** tfjs's cpu backend: pure JS, deterministic, always present. */
export async function useCpuBackend(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

/** Seeded uniform values in [-scale, scale). */
export function seededValues(length: number, seed: number, scale = 1): Float32Array {
  const random = createMulberry32(seed);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = (random() * 2 - 1) * scale;
  return out;
}

/** Replaces every weight of `model` with seeded values (tfjs's initializers are not seeded per run). */
export function seedWeights(model: tf.LayersModel, seed: number, scale = 0.5): void {
  let s = seed;
  for (const layer of model.layers) {
    const weights = layer.getWeights();
    if (weights.length === 0) continue;
    layer.setWeights(weights.map((w) => tf.tensor(seededValues(w.size, s++, scale), w.shape)));
  }
}

/** Seeded ids in [0, vocabulary). */
export function seededIds(length: number, vocabulary: number, seed: number): number[] {
  const random = createMulberry32(seed);
  return Array.from({ length }, () => Math.floor(random() * vocabulary));
}

export type Feed = { type: 'float32'; data: Float32Array; dims: number[] } | { type: 'int64'; data: number[]; dims: number[] };

/** Runs `bytes` in onnxruntime-node on one input; returns the named output. */
export async function runOnnx(bytes: Uint8Array, inputName: string, feed: Feed, outputName = 'output'): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const tensor =
      feed.type === 'float32'
        ? new ort.Tensor('float32', feed.data, feed.dims)
        : new ort.Tensor('int64', BigInt64Array.from(feed.data.map((v) => BigInt(v))), feed.dims);
    const result = await session.run({ [inputName]: tensor });
    const output = result[outputName];
    if (output === undefined || !(output.data instanceof Float32Array)) throw new Error(`no float32 '${outputName}' output`);
    return { data: output.data, dims: output.dims };
  } finally {
    await session.release();
  }
}

/** Largest |a[i] - b[i]|; Infinity when the lengths differ. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return max;
}

/** Largest |a[i]|. */
export function maxAbs(a: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] ?? 0));
  return max;
}

/** The tfjs model's prediction on `input`, as float32 values and a shape. */
export function predict(model: tf.LayersModel, input: tf.Tensor): { data: Float32Array; dims: number[] } {
  const out = model.predict(input) as tf.Tensor;
  const result = { data: Float32Array.from(out.dataSync() as ArrayLike<number>), dims: out.shape };
  out.dispose();
  return result;
}
