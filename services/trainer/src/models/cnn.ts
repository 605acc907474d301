import { randomUUID } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { errors } from '@l1g1/kit';
import type { trainer } from '@l1g1/contracts';
import type { ExportActivation, ExportModelSpec, LayerSpec } from '../export/layer-spec';
import { evaluateInBatches } from './batched-evaluation';
import type { BuiltModel } from './built-model';
import { type DenseWeights, denseHeadSpecs } from './dense-head';
import { imagePixels, type ImageShape } from './image-input';
import { createInitRandom, glorotKernel, uniformValues, zerosBias } from './init';
import { labelIndex, type RecordInput } from './record-input';

/** One training example: the image as the input shape's float32 values in [0, 1], and its class. */
export interface ImageExample {
  pixels: Float32Array;
  label: number;
}

/** One conv block after defaults: `valid` convolution, the activation, then max pooling. */
export interface ConvBlockConfig {
  filters: number;
  kernelSize: number;
  stride: number;
  /** 1: no pooling. */
  poolSize: number;
}

/** A built CNN, plus its tfjs probabilities (the reference the exported model is checked against). */
export interface CnnModel extends BuiltModel<ImageExample> {
  /** Softmax outputs `[examples, classes]`, row-major, no dropout. */
  probabilities(examples: readonly ImageExample[]): Float32Array;
}

/** The CNN's settings after defaults (CnnSpec). */
export interface CnnConfig {
  input: ImageShape;
  convLayers: ConvBlockConfig[];
  denseUnits: number[];
  activation: 'relu' | 'tanh';
  dropout: number;
}

const FIELD = 'architecture.cnn';
/** Weights one layer may hold: 2^26 floats (256 MiB), a bound on what a spec can ask for. */
const MAX_LAYER_WEIGHTS = 1 << 26;

function inRange(field: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) throw errors.invalidArgument(field, `must be an integer in [${min}, ${max}], got ${value}`);
  return value;
}

/**
 * CnnSpec → validated config, following the spatial size through the blocks so that a kernel or
 * pool larger than what reaches it is refused here, not by tfjs mid-job.
 * @throws INVALID_ARGUMENT naming the field (`architecture.cnn.conv_layers[1].kernel_size`).
 */
export function cnnConfig(spec: Partial<trainer.CnnSpec>): CnnConfig {
  if (!spec.inputHeight) throw errors.invalidArgument(`${FIELD}.input_height`, 'required: the height images are resized to');
  if (!spec.inputWidth) throw errors.invalidArgument(`${FIELD}.input_width`, 'required: the width images are resized to');
  let height = inRange(`${FIELD}.input_height`, spec.inputHeight, 1, 1024);
  let width = inRange(`${FIELD}.input_width`, spec.inputWidth, 1, 1024);
  const channels = spec.inputChannels || 1;
  if (channels !== 1 && channels !== 3) throw errors.invalidArgument(`${FIELD}.input_channels`, `must be 1 or 3, got ${channels}`);
  const layers = spec.convLayers ?? [];
  if (layers.length === 0 || layers.length > 16) throw errors.invalidArgument(`${FIELD}.conv_layers`, `give 1 to 16 conv layers, got ${layers.length}`);
  let inChannels: number = channels;
  const convLayers = layers.map((layer, i) => {
    const at = `${FIELD}.conv_layers[${i}]`;
    const filters = inRange(`${at}.filters`, layer.filters, 1, 1024);
    const kernelSize = inRange(`${at}.kernel_size`, layer.kernelSize || 3, 1, 64);
    const stride = inRange(`${at}.stride`, layer.stride || 1, 1, 64);
    const poolSize = inRange(`${at}.pool_size`, layer.poolSize || 1, 1, 64);
    if (kernelSize > height || kernelSize > width) {
      throw errors.invalidArgument(`${at}.kernel_size`, `${kernelSize} is larger than the ${height}×${width} input that reaches this layer`);
    }
    if (kernelSize * kernelSize * inChannels * filters > MAX_LAYER_WEIGHTS) throw errors.invalidArgument(`${at}.filters`, 'the layer would hold more than 2^26 weights');
    height = Math.floor((height - kernelSize) / stride) + 1;
    width = Math.floor((width - kernelSize) / stride) + 1;
    if (poolSize > 1) {
      if (poolSize > height || poolSize > width) throw errors.invalidArgument(`${at}.pool_size`, `${poolSize} is larger than the ${height}×${width} map it pools`);
      height = Math.floor(height / poolSize);
      width = Math.floor(width / poolSize);
    }
    inChannels = filters;
    return { filters, kernelSize, stride, poolSize };
  });
  let fanIn = height * width * inChannels;
  const denseUnits = (spec.denseUnits ?? []).map((u, i) => {
    const units = inRange(`${FIELD}.dense_units[${i}]`, u, 1, 8192);
    if (fanIn * units > MAX_LAYER_WEIGHTS) throw errors.invalidArgument(`${FIELD}.dense_units[${i}]`, `${fanIn} inputs × ${units} units exceed 2^26 weights`);
    fanIn = units;
    return units;
  });
  const activation = spec.activation === undefined || spec.activation === 0 || spec.activation === 1 ? 'relu' : spec.activation === 3 ? 'tanh' : undefined;
  if (activation === undefined) throw errors.invalidArgument(`${FIELD}.activation`, 'RELU and TANH are implemented');
  const dropout = spec.dropout ?? 0;
  if (!(dropout >= 0 && dropout < 1)) throw errors.invalidArgument(`${FIELD}.dropout`, `must be in [0, 1), got ${dropout}`);
  return { input: { height: spec.inputHeight, width: spec.inputWidth, channels }, convLayers, denseUnits, activation, dropout };
}

interface ConvWeights extends ConvBlockConfig {
  kernel: tf.Variable;
  bias: tf.Variable;
  inChannels: number;
}

/**
 * Image classifier: conv blocks (`valid` convolution with stride → ReLU or tanh → max pooling),
 * flattened channels last, ReLU/tanh dense layers, softmax. The layers are tfjs ops on
 * variables (not tfjs-layers) so every model of the library trains through the same `train()`.
 *
 * Serving input (the ONNX model's `image`): FP32 `[batch, height, width, channels]` in [0, 1],
 * channels last, as {@link imagePixels} makes it from a record; output `probabilities`
 * `[batch, classes]`. The recipe is the `preprocess` tag.
 */
export function createCnn(config: CnnConfig, classNames: readonly string[], seed: number): CnnModel {
  if (classNames.length < 2) throw errors.invalidArgument('architecture.class_names', 'a classifier needs at least 2 classes');
  const classIndex = new Map(classNames.map((c, i) => [c, i]));
  const rng = createInitRandom(seed);
  const prefix = `cnn_${randomUUID().slice(0, 8)}`;
  const { height, width, channels } = config.input;
  const weights: Record<string, tf.Variable> = {};

  let inChannels: number = channels;
  let h = height;
  let w = width;
  const convs: ConvWeights[] = config.convLayers.map((layer, i) => {
    const k = layer.kernelSize;
    // Glorot uniform with the receptive field in the fans, as Keras's Conv2D default.
    const limit = Math.sqrt(6 / (k * k * inChannels + k * k * layer.filters));
    const kernel = tf.variable(tf.tensor4d(uniformValues(rng, k * k * inChannels * layer.filters, limit), [k, k, inChannels, layer.filters]), true, `${prefix}/conv_${i}/kernel`);
    const bias = zerosBias(`${prefix}/conv_${i}/bias`, layer.filters);
    weights[`conv_${i}/kernel`] = kernel;
    weights[`conv_${i}/bias`] = bias;
    const block = { ...layer, kernel, bias, inChannels };
    inChannels = layer.filters;
    h = Math.floor((h - k) / layer.stride) + 1;
    w = Math.floor((w - k) / layer.stride) + 1;
    if (layer.poolSize > 1) {
      h = Math.floor(h / layer.poolSize);
      w = Math.floor(w / layer.poolSize);
    }
    return block;
  });
  const flat = h * w * inChannels;
  let fanIn = flat;
  const dense: DenseWeights[] = [...config.denseUnits, classNames.length].map((units, i) => {
    const d = { kernel: glorotKernel(rng, `${prefix}/dense_${i}/kernel`, fanIn, units), bias: zerosBias(`${prefix}/dense_${i}/bias`, units), inputs: fanIn, units };
    weights[`dense_${i}/kernel`] = d.kernel;
    weights[`dense_${i}/bias`] = d.bias;
    fanIn = units;
    return d;
  });
  const act = (x: tf.Tensor): tf.Tensor => (config.activation === 'relu' ? tf.relu(x) : tf.tanh(x));

  const logits = (images: tf.Tensor4D, dropoutSeed?: number): tf.Tensor2D => {
    let x: tf.Tensor4D = images;
    for (const c of convs) {
      x = act(tf.add(tf.conv2d(x, c.kernel as tf.Tensor4D, c.stride, 'valid'), c.bias)) as tf.Tensor4D;
      if (c.poolSize > 1) x = tf.maxPool(x, c.poolSize, c.poolSize, 'valid');
    }
    let y = tf.reshape(x, [-1, flat]) as tf.Tensor2D;
    dense.forEach((d, i) => {
      if (dropoutSeed !== undefined && config.dropout > 0) y = tf.dropout(y, config.dropout, undefined, dropoutSeed + i) as tf.Tensor2D;
      y = tf.add(tf.matMul(y, d.kernel), d.bias) as tf.Tensor2D;
      if (i < dense.length - 1) y = act(y) as tf.Tensor2D;
    });
    return y;
  };

  const imagesOf = (batch: readonly ImageExample[]): tf.Tensor4D => {
    const size = height * width * channels;
    const values = new Float32Array(batch.length * size);
    batch.forEach((e, i) => values.set(e.pixels, i * size));
    return tf.tensor4d(values, [batch.length, height, width, channels]);
  };
  const labelsOf = (batch: readonly ImageExample[]) => tf.oneHot(tf.tensor1d(batch.map((e) => e.label), 'int32'), classNames.length);

  return {
    kind: 'cnn',
    classNames: [...classNames],
    trainable: {
      weights,
      loss(batch, { rng: stepRng }) {
        const out = logits(imagesOf(batch), config.dropout > 0 ? stepRng.nextInt(2 ** 31) : undefined);
        return tf.losses.softmaxCrossEntropy(labelsOf(batch), out) as tf.Scalar;
      },
    },
    featurize(records: readonly RecordInput[], labelField = 'label') {
      return records.map((r, i) => ({ pixels: imagePixels(r, config.input, i), label: labelIndex(r, labelField, classIndex) }));
    },
    evaluate(examples, batchSize = 256) {
      return evaluateInBatches(examples, batchSize, (batch) => ({ logits: logits(imagesOf(batch)), targets: tf.tensor1d(batch.map((e) => e.label), 'int32') }));
    },
    probabilities(examples) {
      return tf.tidy(() => Float32Array.from(tf.softmax(logits(imagesOf(examples))).dataSync()));
    },
    exportSpec(): ExportModelSpec {
      const activation: ExportActivation = config.activation;
      const layers: LayerSpec[] = [];
      for (const c of convs) {
        layers.push({
          kind: 'conv2d',
          kernel: c.kernel.dataSync() as Float32Array,
          bias: c.bias.dataSync() as Float32Array,
          kernelSize: [c.kernelSize, c.kernelSize],
          inChannels: c.inChannels,
          filters: c.filters,
          strides: [c.stride, c.stride],
          dilation: [1, 1],
          padding: 'valid',
          activation,
        });
        if (c.poolSize > 1) layers.push({ kind: 'max_pool2d', poolSize: [c.poolSize, c.poolSize], strides: [c.poolSize, c.poolSize], padding: 'valid' });
      }
      layers.push({ kind: 'flatten' }, ...denseHeadSpecs(dense, activation));
      return { inputShape: [height, width, channels], inputName: 'image', outputName: 'probabilities', classNames: [...classNames], layers };
    },
    tags() {
      return {
        preprocess: JSON.stringify({ input: 'image', layout: 'nhwc', height, width, channels, scale: 1 / 255, resize: 'bilinear_align_corners', grey_from_rgb: 'bt601_luma' }),
        architecture: 'cnn',
      };
    },
    dispose() {
      for (const v of Object.values(weights)) v.dispose();
    },
  };
}
