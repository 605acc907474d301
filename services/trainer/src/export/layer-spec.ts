/**
 * What the exporter consumes: a model as a chain of layers with their trained weights, in
 * TensorFlow.js's own layouts (Dense kernel `[in, out]`, Conv2D kernel `[kh, kw, in, out]`, GRU
 * kernels `[in, 3·units]` in Keras gate order z, r, h). Keeping tfjs's layouts here means the
 * layout conversions (NHWC → NCHW, gate packing) live in one place, the emitters, and a model
 * built with tfjs-layers and one built from raw tensors (the embedding bag) export alike.
 */

/** Activations the exporter maps to ONNX ops (tfjs names). */
export type ExportActivation = 'linear' | 'relu' | 'tanh' | 'sigmoid' | 'softmax';

/** `y = activation(x · kernel + bias)` over the last axis (so also per token on `[batch, time, features]`). */
export interface DenseLayerSpec {
  kind: 'dense';
  /** Row-major `[inputSize, units]`. */
  kernel: Float32Array;
  /** `[units]`, or absent for `useBias: false`. */
  bias?: Float32Array;
  inputSize: number;
  units: number;
  activation: ExportActivation;
}

/** Per-token lookup (tfjs `Embedding`): ids `[batch, time]` → `[batch, time, dim]`. */
export interface EmbeddingLayerSpec {
  kind: 'embedding';
  /** Row-major `[vocabularySize, dim]`. */
  table: Float32Array;
  vocabularySize: number;
  dim: number;
  /**
   * Ids `< 0` are right padding (the token tagger's `-1`): their rows are zeros, and each row's
   * real length is handed to the following GRUs as ONNX `sequence_lens`, so a padded batch gives
   * the same outputs as each row alone.
   */
  padding?: boolean;
}

/**
 * Embedding bag over hashed n-gram ids: ids `[batch, max_ids]` padded with `-1` → the sum or the
 * mean of the rows the real ids pick, `[batch, dim]`. A row with no ids gives zeros.
 */
export interface EmbeddingBagLayerSpec {
  kind: 'embedding_bag';
  table: Float32Array;
  vocabularySize: number;
  dim: number;
  combiner: 'sum' | 'mean';
}

/** tfjs `Conv2D` (channels last), kernel `[kh, kw, in, out]`. */
export interface Conv2dLayerSpec {
  kind: 'conv2d';
  kernel: Float32Array;
  bias?: Float32Array;
  kernelSize: [number, number];
  inChannels: number;
  filters: number;
  strides: [number, number];
  dilation: [number, number];
  padding: 'valid' | 'same';
  activation: ExportActivation;
}

/** tfjs `MaxPooling2D` (channels last). */
export interface MaxPool2dLayerSpec {
  kind: 'max_pool2d';
  poolSize: [number, number];
  strides: [number, number];
  padding: 'valid' | 'same';
}

/** tfjs `Flatten`: `[batch, ...]` → `[batch, product]`, in channels-last order. */
export interface FlattenLayerSpec {
  kind: 'flatten';
}

/** The weights of one GRU direction, as tfjs's `GRU` layer holds them. */
export interface GruWeights {
  /** `[inputSize, 3·units]`, gates z, r, h. */
  kernel: Float32Array;
  /** `[units, 3·units]`, gates z, r, h. */
  recurrentKernel: Float32Array;
  /** `resetAfter`: `[2, 3·units]` (input bias, recurrent bias); else `[3·units]`; absent without bias. */
  bias?: Float32Array;
}

/** tfjs `GRU`, or `Bidirectional(GRU)` with `mergeMode: 'concat'` when `backward` is given. */
export interface GruLayerSpec {
  kind: 'gru';
  inputSize: number;
  units: number;
  /** tfjs `resetAfter`: the reset gate applies after the recurrent matmul (ONNX `linear_before_reset=1`). */
  resetAfter: boolean;
  /** Output every step `[batch, time, dirs·units]`, or the last state `[batch, dirs·units]`. */
  returnSequences: boolean;
  activation: 'tanh' | 'relu' | 'sigmoid';
  recurrentActivation: 'sigmoid' | 'hardSigmoid' | 'tanh';
  forward: GruWeights;
  backward?: GruWeights;
}

/** Softmax over the last axis (tfjs `Softmax` / `Activation('softmax')` layers). */
export interface ActivationLayerSpec {
  kind: 'activation';
  activation: ExportActivation;
}

export type LayerSpec =
  | DenseLayerSpec
  | EmbeddingLayerSpec
  | EmbeddingBagLayerSpec
  | Conv2dLayerSpec
  | MaxPool2dLayerSpec
  | FlattenLayerSpec
  | GruLayerSpec
  | ActivationLayerSpec;

/**
 * A model to export. The input is FP32 `[batch, ...inputShape]` (images NHWC as tfjs takes them)
 * unless the first layer is an embedding or embedding bag, whose input is INT64 ids.
 */
export interface ExportModelSpec {
  /** The input's shape without the batch dimension; `-1` for a dynamic size (sequence length). */
  inputShape: number[];
  layers: LayerSpec[];
  /** Graph input name; default `'input'`. */
  inputName?: string;
  /** Graph output name; default `'output'`. */
  outputName?: string;
  /** One name per output class (last axis of the output); written as the `class_names` metadata. */
  classNames?: string[];
}
