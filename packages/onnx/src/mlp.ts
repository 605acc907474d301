import type { onnx } from 'onnx-proto';
import { float32ArrayToFloat16Bits } from './float16';
import {
  ElemType,
  encodeModel,
  float32LeBytes,
  intAttribute,
  node,
  rawInitializer,
  tensorValueInfo,
  uint16LeBytes,
} from './model-proto';
import { createMulberry32 } from './prng';
import { quantizeSymmetricInt8 } from './quantize';

/** How the weights of a built model are stored and computed; see {@link buildMlp}. */
export type MlpPrecision = 'fp32' | 'fp16' | 'int8';

/** Options of {@link buildMlp}. */
export interface MlpOptions {
  /** Features per example; the input is `[batch, inputSize]` FP32. */
  inputSize: number;
  /** Sizes of the hidden layers, in order; `[]` builds a single linear (or softmax) layer. */
  hiddenSizes: number[];
  /** Values per example; the output is `[batch, outputSize]` FP32. */
  outputSize: number;
  /** PRNG seed (uint32) for the weights; default {@link DEFAULT_MLP_SEED}. */
  seed?: number;
  /** Name of the graph input; default `'input'`. */
  inputName?: string;
  /** Name of the graph output; default `'output'`. */
  outputName?: string;
  /** End with Softmax over the last axis; default `false`. */
  softmax?: boolean;
  /** Weight storage and compute precision; default `'fp32'`. */
  precision?: MlpPrecision;
  /** `producer_version` written into the model; default {@link BUILDER_VERSION}. */
  producerVersion?: string;
}

/**
 * One dense layer, `y = x · weight + bias`, with `weight` row-major `[inSize, outSize]`
 * (`weight[i * outSize + j]` links input `i` to output `j`), as Gemm consumes it.
 */
export interface MlpLayer {
  weight: Float32Array;
  bias: Float32Array;
  inSize: number;
  outSize: number;
}

/** What {@link buildMlpWithWeights} returns: the model and the float32 weights it was built from. */
export interface MlpWithWeights {
  bytes: Uint8Array;
  layers: MlpLayer[];
}

/** Seed used when {@link MlpOptions.seed} is not given. */
export const DEFAULT_MLP_SEED = 42;

/** Version of the graph layout these builders emit; bumped whenever the emitted bytes change. */
export const BUILDER_VERSION = '1';

/** Settings of the graph encoder, shared by {@link buildMlp} and the demo classifier. */
export interface MlpGraphSettings {
  inputName: string;
  outputName: string;
  softmax: boolean;
  precision: MlpPrecision;
  producerVersion: string;
  docString: string;
}

/**
 * Builds a deterministic multi-layer perceptron as an ONNX model (IR 8, opset 13).
 *
 * Layers are dense (`x · W + b`) with Relu between them and, if `softmax`, Softmax at the end.
 * The batch dimension is symbolic (`'batch'`); input and output are always FP32.
 * Weights follow PyTorch's `nn.Linear` default, `U(-1/√in, 1/√in)` for weights and biases, drawn
 * from mulberry32(`seed`) layer by layer (weights row-major, then biases), so the same options give
 * byte-identical models and every precision starts from the same float32 weights.
 *
 * - `'fp32'`: one Gemm per layer.
 * - `'fp16'`: weights and biases are stored as float16 (about half the artifact) and Cast to
 *   float32 in the graph, so arithmetic is float32. ONNX Runtime's CPU provider has no float16
 *   Gemm/MatMul kernel on x64 (it wraps such nodes in Casts itself), so computing in float16
 *   would only add activation casts; the weight Casts are constant-folded when the session loads,
 *   so they cost nothing per run.
 * - `'int8'`: ONNX Runtime's dynamic-quantization pattern: DynamicQuantizeLinear on activations
 *   (uint8, per tensor, per run), MatMulInteger against int8 weights quantized symmetrically per
 *   tensor to [-64, 64] (ORT's "reduce range", which keeps AVX2 CPUs without VNNI from saturating),
 *   Cast to float, Mul by `activation scale * weight scale`, Add the float32 bias. ORT fuses
 *   this into its DynamicQuantizeMatMul kernel, which is what makes it faster than fp32 on CPU.
 *   Weights take a quarter of the fp32 size.
 *
 * @throws RangeError when a size, name, seed or precision is out of range.
 */
export function buildMlp(opts: MlpOptions): Uint8Array {
  return buildMlpWithWeights(opts).bytes;
}

/**
 * {@link buildMlp}, also returning the float32 weights the model was built from (before any
 * float16 or int8 rounding), e.g. to check the model against a reference forward pass.
 */
export function buildMlpWithWeights(opts: MlpOptions): MlpWithWeights {
  const sizes = [opts.inputSize, ...opts.hiddenSizes, opts.outputSize];
  sizes.forEach((size, index) => {
    if (!Number.isSafeInteger(size) || size < 1) {
      const what =
        index === 0 ? 'inputSize' : index === sizes.length - 1 ? 'outputSize' : `hiddenSizes[${index - 1}]`;
      throw new RangeError(`${what} must be a positive integer, got ${String(size)}`);
    }
  });
  const seed = opts.seed ?? DEFAULT_MLP_SEED;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed must be an integer in [0, 2^32 - 1], got ${String(seed)}`);
  }
  const precision = opts.precision ?? 'fp32';
  const layers = initMlpLayers(sizes, seed);
  const bytes = encodeMlp(layers, {
    inputName: opts.inputName ?? 'input',
    outputName: opts.outputName ?? 'output',
    softmax: opts.softmax ?? false,
    precision,
    producerVersion: opts.producerVersion ?? BUILDER_VERSION,
    docString: `MLP ${sizes.join('-')}${opts.softmax === true ? ' softmax' : ''}, ${precision} weights, seed ${seed}`,
  });
  return { bytes, layers };
}

/** Draws the layers of an MLP with the given layer sizes, as documented on {@link buildMlp}. */
export function initMlpLayers(sizes: readonly number[], seed: number): MlpLayer[] {
  const random = createMulberry32(seed);
  const layers: MlpLayer[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const inSize = sizes[l] ?? 0;
    const outSize = sizes[l + 1] ?? 0;
    const bound = 1 / Math.sqrt(inSize);
    const weight = new Float32Array(inSize * outSize);
    for (let i = 0; i < weight.length; i++) weight[i] = (random() * 2 - 1) * bound;
    const bias = new Float32Array(outSize);
    for (let j = 0; j < outSize; j++) bias[j] = (random() * 2 - 1) * bound;
    layers.push({ weight, bias, inSize, outSize });
  }
  return layers;
}

const BATCH_DIM = 'batch';

/** Encodes `layers` as an ONNX MLP graph; see {@link buildMlp} for the per-precision layout. */
export function encodeMlp(layers: readonly MlpLayer[], settings: MlpGraphSettings): Uint8Array {
  const { inputName, outputName, precision } = settings;
  if (inputName === '' || outputName === '') throw new RangeError('inputName and outputName must not be empty');
  if (inputName === outputName) throw new RangeError(`inputName and outputName must differ, both are '${inputName}'`);
  if (precision !== 'fp32' && precision !== 'fp16' && precision !== 'int8') {
    throw new RangeError(`precision must be 'fp32', 'fp16' or 'int8', got '${String(precision)}'`);
  }
  const first = layers[0];
  const last = layers[layers.length - 1];
  if (first === undefined || last === undefined) throw new RangeError('an MLP needs at least one layer');
  for (const name of [inputName, outputName]) {
    if (name.startsWith('layers.')) throw new RangeError(`tensor name '${name}' is reserved (prefix 'layers.')`);
  }

  const nodes: onnx.INodeProto[] = [];
  const initializers: onnx.ITensorProto[] = [];
  let current = inputName;
  layers.forEach((layer, l) => {
    const isLast = l === layers.length - 1;
    const prefix = `layers.${l}`;
    const dense = isLast && !settings.softmax ? outputName : `${prefix}.dense`;
    appendDense(nodes, initializers, layer, prefix, current, dense, precision);
    current = dense;
    if (!isLast) {
      const relu = `${prefix}.relu`;
      nodes.push(node('Relu', relu, [current], [relu]));
      current = relu;
    }
  });
  if (settings.softmax) {
    nodes.push(node('Softmax', 'softmax', [current], [outputName], [intAttribute('axis', -1)]));
  }

  return encodeModel({
    graphName: 'mlp',
    nodes,
    initializers,
    inputs: [tensorValueInfo(inputName, ElemType.FLOAT, [BATCH_DIM, first.inSize])],
    outputs: [tensorValueInfo(outputName, ElemType.FLOAT, [BATCH_DIM, last.outSize])],
    producerVersion: settings.producerVersion,
    docString: settings.docString,
  });
}

/** Appends the nodes and initializers computing `output = input · W + b` at `precision`. */
function appendDense(
  nodes: onnx.INodeProto[],
  initializers: onnx.ITensorProto[],
  layer: MlpLayer,
  prefix: string,
  input: string,
  output: string,
  precision: MlpPrecision,
): void {
  const weightDims = [layer.inSize, layer.outSize];
  const weight = `${prefix}.weight`;
  const bias = `${prefix}.bias`;
  switch (precision) {
    case 'fp32': {
      initializers.push(rawInitializer(weight, ElemType.FLOAT, weightDims, float32LeBytes(layer.weight)));
      initializers.push(rawInitializer(bias, ElemType.FLOAT, [layer.outSize], float32LeBytes(layer.bias)));
      nodes.push(node('Gemm', `${prefix}.gemm`, [input, weight, bias], [output]));
      return;
    }
    case 'fp16': {
      const weight16 = `${weight}_fp16`;
      const bias16 = `${bias}_fp16`;
      initializers.push(
        rawInitializer(weight16, ElemType.FLOAT16, weightDims, uint16LeBytes(float32ArrayToFloat16Bits(layer.weight))),
      );
      initializers.push(
        rawInitializer(bias16, ElemType.FLOAT16, [layer.outSize], uint16LeBytes(float32ArrayToFloat16Bits(layer.bias))),
      );
      const toFloat = [intAttribute('to', ElemType.FLOAT)];
      nodes.push(node('Cast', `${weight}.cast`, [weight16], [weight], toFloat));
      nodes.push(node('Cast', `${bias}.cast`, [bias16], [bias], toFloat));
      nodes.push(node('Gemm', `${prefix}.gemm`, [input, weight, bias], [output]));
      return;
    }
    case 'int8': {
      const quantized = quantizeSymmetricInt8(layer.weight);
      const weightQ = `${weight}_quantized`;
      const weightScale = `${weight}_scale`;
      const weightZeroPoint = `${weight}_zero_point`;
      initializers.push(rawInitializer(weightQ, ElemType.INT8, weightDims, new Uint8Array(quantized.values.buffer)));
      initializers.push(rawInitializer(weightScale, ElemType.FLOAT, [], float32LeBytes([quantized.scale])));
      initializers.push(rawInitializer(weightZeroPoint, ElemType.INT8, [], new Uint8Array(1)));
      initializers.push(rawInitializer(bias, ElemType.FLOAT, [layer.outSize], float32LeBytes(layer.bias)));
      const inputQ = `${prefix}.input_quantized`;
      const inputScale = `${prefix}.input_scale`;
      const inputZeroPoint = `${prefix}.input_zero_point`;
      nodes.push(node('DynamicQuantizeLinear', `${prefix}.quantize`, [input], [inputQ, inputScale, inputZeroPoint]));
      nodes.push(
        node('MatMulInteger', `${prefix}.matmul`, [inputQ, weightQ, inputZeroPoint, weightZeroPoint], [`${prefix}.matmul`]),
      );
      nodes.push(
        node('Cast', `${prefix}.matmul_float`, [`${prefix}.matmul`], [`${prefix}.matmul_float`], [intAttribute('to', ElemType.FLOAT)]),
      );
      nodes.push(node('Mul', `${prefix}.scale`, [inputScale, weightScale], [`${prefix}.scale`]));
      nodes.push(node('Mul', `${prefix}.dequantize`, [`${prefix}.matmul_float`, `${prefix}.scale`], [`${prefix}.dequantized`]));
      nodes.push(node('Add', `${prefix}.add_bias`, [`${prefix}.dequantized`, bias], [output]));
      return;
    }
  }
}
