// Shared by the tests: running a model in ONNX Runtime, and a plain-JS forward pass to compare with.
import * as ort from 'onnxruntime-node';
import type { MlpLayer } from '../src/index';
import { createMulberry32 } from '../src/prng';

/** Runs a single-input, single-output FP32 model on `rows` x `features` values. */
export async function runModel(
  bytes: Uint8Array,
  inputName: string,
  outputName: string,
  input: Float32Array,
  rows: number,
): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const feeds = { [inputName]: new ort.Tensor('float32', input, [rows, input.length / rows]) };
    const result = await session.run(feeds);
    const output = result[outputName];
    if (output === undefined) throw new Error(`model produced no '${outputName}'`);
    if (!(output.data instanceof Float32Array)) throw new Error(`'${outputName}' is ${output.type}, not float32`);
    return { data: output.data, dims: output.dims };
  } finally {
    await session.release();
  }
}

/** `y = relu(...relu(x·W0+b0)...)·Wn+bn`, optionally softmaxed, in float64. */
export function forward(layers: readonly MlpLayer[], input: Float32Array, rows: number, softmax: boolean): Float64Array {
  let current = Float64Array.from(input);
  layers.forEach((layer, l) => {
    const next = new Float64Array(rows * layer.outSize);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < layer.outSize; j++) {
        let sum = layer.bias[j] ?? 0;
        for (let i = 0; i < layer.inSize; i++) {
          sum += (current[r * layer.inSize + i] ?? 0) * (layer.weight[i * layer.outSize + j] ?? 0);
        }
        next[r * layer.outSize + j] = l < layers.length - 1 ? Math.max(0, sum) : sum;
      }
    }
    current = next;
  });
  const last = layers[layers.length - 1];
  if (softmax && last !== undefined) {
    for (let r = 0; r < rows; r++) {
      const row = current.subarray(r * last.outSize, (r + 1) * last.outSize);
      const max = Math.max(...row);
      let total = 0;
      row.forEach((v, k) => {
        row[k] = Math.exp(v - max);
        total += row[k] ?? 0;
      });
      row.forEach((v, k) => (row[k] = v / total));
    }
  }
  return current;
}

/** Seeded uniform values in [-scale, scale). */
export function randomInput(length: number, seed: number, scale = 1): Float32Array {
  const random = createMulberry32(seed);
  return Float32Array.from({ length }, () => (random() * 2 - 1) * scale);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return max;
}

export function argmaxRows(values: ArrayLike<number>, rows: number): number[] {
  const width = values.length / rows;
  return Array.from({ length: rows }, (_, r) => {
    let best = 0;
    for (let k = 1; k < width; k++) {
      if ((values[r * width + k] ?? -Infinity) > (values[r * width + best] ?? -Infinity)) best = k;
    }
    return best;
  });
}
