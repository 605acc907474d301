import { BUILDER_VERSION, encodeMlp, initMlpLayers, type MlpLayer, type MlpPrecision } from './mlp';
import { createMulberry32 } from './prng';

// The demo is a small network trained here, at build time, on samples drawn from the published
// per-class means and standard deviations of Fisher's iris data (1936). Training in code keeps the
// weights reproducible from the seed and avoids committing a binary; it takes about 0.1 s.
// Bytes stay identical across machines because V8's Math.exp/log/cos are a portable fdlibm port.

/** Features: sepal length, sepal width, petal length, petal width (cm). */
const IRIS_CLASSES: readonly { mean: readonly number[]; std: readonly number[] }[] = [
  { mean: [5.006, 3.428, 1.462, 0.246], std: [0.352, 0.379, 0.174, 0.105] }, // setosa
  { mean: [5.936, 2.77, 4.26, 1.326], std: [0.516, 0.314, 0.47, 0.198] }, // versicolor
  { mean: [6.588, 2.974, 5.552, 2.026], std: [0.636, 0.322, 0.552, 0.275] }, // virginica
];
/** Whole-dataset mean and standard deviation per feature, used to standardize during training. */
const FEATURE_MEAN = [5.843, 3.057, 3.758, 1.199];
const FEATURE_STD = [0.828, 0.436, 1.765, 0.762];

const DEMO_SEED = 7;
const HIDDEN_SIZE = 8;
const SAMPLES_PER_CLASS = 50;
const EPOCHS = 300;
const LEARNING_RATE = 0.3;
const SIZE_LOADING = 0.7;

/**
 * The launcher's demo model: an iris classifier, input `features` `[batch, 4]` FP32 (sepal length,
 * sepal width, petal length, petal width, in cm) -> output `probabilities` `[batch, 3]` FP32
 * (softmax over setosa, versicolor, virginica, in that order).
 *
 * A 4-8-3 MLP (Relu, Softmax) trained by full-batch gradient descent on 150 samples drawn from the
 * iris class statistics, with input standardization folded into the first layer so that raw
 * centimetres go in. Deterministic: the same `seed` (default 7) gives the same bytes.
 * `precision` is as in {@link buildMlp}.
 */
export function buildDemoClassifier(opts: { precision?: MlpPrecision; seed?: number } = {}): Uint8Array {
  const seed = opts.seed ?? DEMO_SEED;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed must be an integer in [0, 2^32 - 1], got ${String(seed)}`);
  }
  const precision = opts.precision ?? 'fp32';
  const layers = foldStandardization(trainIrisMlp(seed));
  return encodeMlp(layers, {
    inputName: 'features',
    outputName: 'probabilities',
    softmax: true,
    precision,
    producerVersion: BUILDER_VERSION,
    docString: `Iris demo classifier (setosa, versicolor, virginica), ${precision} weights, seed ${seed}`,
  });
}

interface Sample {
  x: number[];
  label: number;
}

function drawSamples(seed: number): Sample[] {
  const random = createMulberry32(seed ^ 0x9e3779b9);
  const gaussian = (): number => {
    // Box-Muller; 1 - u keeps the logarithm's argument in (0, 1].
    const u = 1 - random();
    const v = random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const samples: Sample[] = [];
  IRIS_CLASSES.forEach(({ mean, std }, label) => {
    for (let n = 0; n < SAMPLES_PER_CLASS; n++) {
      // Iris measurements within a class are strongly correlated (a bigger flower is bigger in
      // every measurement); a shared size factor reproduces that (r = 0.7^2, about 0.5).
      const size = gaussian();
      const x = mean.map((m, f) => {
        const z = SIZE_LOADING * size + Math.sqrt(1 - SIZE_LOADING ** 2) * gaussian();
        const raw = Math.max(0.1, m + (std[f] ?? 0) * z);
        return (raw - (FEATURE_MEAN[f] ?? 0)) / (FEATURE_STD[f] ?? 1);
      });
      samples.push({ x, label });
    }
  });
  return samples;
}

/** Trains a 4-8-3 MLP on standardized features; returns float64 weights in MlpLayer layout. */
function trainIrisMlp(seed: number): { weight: number[]; bias: number[]; inSize: number; outSize: number }[] {
  const layers = initMlpLayers([4, HIDDEN_SIZE, IRIS_CLASSES.length], seed).map((layer) => ({
    weight: Array.from(layer.weight),
    bias: Array.from(layer.bias),
    inSize: layer.inSize,
    outSize: layer.outSize,
  }));
  const [hidden, output] = layers;
  if (hidden === undefined || output === undefined) throw new Error('unreachable: two layers were requested');
  const samples = drawSamples(seed);
  const at = (values: number[], i: number): number => values[i] ?? 0;

  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    const gradHiddenW = new Array<number>(hidden.weight.length).fill(0);
    const gradHiddenB = new Array<number>(hidden.bias.length).fill(0);
    const gradOutputW = new Array<number>(output.weight.length).fill(0);
    const gradOutputB = new Array<number>(output.bias.length).fill(0);
    for (const { x, label } of samples) {
      const h = dense(hidden, x).map((v) => Math.max(0, v));
      const logits = dense(output, h);
      const maxLogit = Math.max(...logits);
      const exps = logits.map((z) => Math.exp(z - maxLogit));
      const total = exps.reduce((a, b) => a + b, 0);
      // d(cross-entropy)/d(logits) = softmax - one-hot.
      const dLogits = exps.map((e, k) => e / total - (k === label ? 1 : 0));
      const dHidden = new Array<number>(hidden.outSize).fill(0);
      for (let i = 0; i < output.inSize; i++) {
        for (let k = 0; k < output.outSize; k++) {
          gradOutputW[i * output.outSize + k] = at(gradOutputW, i * output.outSize + k) + at(h, i) * at(dLogits, k);
          dHidden[i] = at(dHidden, i) + at(output.weight, i * output.outSize + k) * at(dLogits, k);
        }
      }
      dLogits.forEach((d, k) => (gradOutputB[k] = at(gradOutputB, k) + d));
      for (let j = 0; j < hidden.outSize; j++) {
        if (at(h, j) <= 0) continue;
        gradHiddenB[j] = at(gradHiddenB, j) + at(dHidden, j);
        for (let i = 0; i < hidden.inSize; i++) {
          gradHiddenW[i * hidden.outSize + j] = at(gradHiddenW, i * hidden.outSize + j) + at(x, i) * at(dHidden, j);
        }
      }
    }
    const step = LEARNING_RATE / samples.length;
    const descend = (params: number[], grads: number[]): void => {
      for (let p = 0; p < params.length; p++) params[p] = at(params, p) - step * at(grads, p);
    };
    descend(hidden.weight, gradHiddenW);
    descend(hidden.bias, gradHiddenB);
    descend(output.weight, gradOutputW);
    descend(output.bias, gradOutputB);
  }
  return layers;
}

function dense(layer: { weight: number[]; bias: number[]; inSize: number; outSize: number }, x: number[]): number[] {
  const y = layer.bias.slice();
  for (let i = 0; i < layer.inSize; i++) {
    const xi = x[i] ?? 0;
    for (let j = 0; j < layer.outSize; j++) y[j] = (y[j] ?? 0) + xi * (layer.weight[i * layer.outSize + j] ?? 0);
  }
  return y;
}

/**
 * Rewrites the first layer so it takes raw features: `((x - mean) / std) · W + b`
 * = `x · (W / std) + (b - (mean / std) · W)`.
 */
function foldStandardization(
  layers: { weight: number[]; bias: number[]; inSize: number; outSize: number }[],
): MlpLayer[] {
  return layers.map((layer, l) => {
    if (l > 0) {
      return { ...layer, weight: Float32Array.from(layer.weight), bias: Float32Array.from(layer.bias) };
    }
    const weight = new Float32Array(layer.weight.length);
    const bias = Float64Array.from(layer.bias);
    for (let i = 0; i < layer.inSize; i++) {
      const std = FEATURE_STD[i] ?? 1;
      const mean = FEATURE_MEAN[i] ?? 0;
      for (let j = 0; j < layer.outSize; j++) {
        const w = layer.weight[i * layer.outSize + j] ?? 0;
        weight[i * layer.outSize + j] = w / std;
        bias[j] = (bias[j] ?? 0) - (mean / std) * w;
      }
    }
    return { weight, bias: Float32Array.from(bias), inSize: layer.inSize, outSize: layer.outSize };
  });
}
