import type { LayersModel } from '@tensorflow/tfjs';
import type { ExportActivation, ExportModelSpec, GruLayerSpec, GruWeights, LayerSpec } from './layer-spec';

/** One tfjs layer as the adapter reads it (the public surface of `tf.layers.Layer`). */
type TfjsLayer = LayersModel['layers'][number];

/** A config value read from `layer.getConfig()`, which tfjs types as a loose serializable dict. */
type Config = Record<string, unknown>;

const ACTIVATIONS: ReadonlySet<string> = new Set(['linear', 'relu', 'tanh', 'sigmoid', 'softmax']);

function activationOf(config: Config, field: string): ExportActivation {
  const name = config['activation'] ?? 'linear';
  if (typeof name !== 'string' || !ACTIVATIONS.has(name)) {
    throw new RangeError(`${field}.activation '${String(name)}' cannot be exported (relu, tanh, sigmoid, softmax, linear)`);
  }
  return name as ExportActivation;
}

function pair(value: unknown, fallback: [number, number]): [number, number] {
  if (typeof value === 'number') return [value, value];
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number')) return [value[0] as number, value[1] as number];
  return fallback;
}

function padding(config: Config, field: string): 'valid' | 'same' {
  const value = config['padding'] ?? 'valid';
  if (value !== 'valid' && value !== 'same') throw new RangeError(`${field}.padding '${String(value)}' cannot be exported (valid, same)`);
  return value;
}

/** The layer's weights as float32 arrays, in `getWeights()` order (kernel, then bias, ...). */
function weightsOf(layer: TfjsLayer): Float32Array[] {
  return layer.getWeights().map((t) => Float32Array.from(t.dataSync() as ArrayLike<number>));
}

function gruOf(config: Config, weights: Float32Array[], field: string): Omit<GruLayerSpec, 'inputSize' | 'forward' | 'backward'> & { weights: GruWeights } {
  const units = config['units'];
  if (typeof units !== 'number') throw new RangeError(`${field}.units is missing`);
  const recurrent = config['recurrentActivation'] ?? 'hardSigmoid';
  if (recurrent !== 'sigmoid' && recurrent !== 'hardSigmoid' && recurrent !== 'tanh') {
    throw new RangeError(`${field}.recurrentActivation '${String(recurrent)}' cannot be exported (sigmoid, hardSigmoid, tanh)`);
  }
  const activation = config['activation'] ?? 'tanh';
  if (activation !== 'tanh' && activation !== 'relu' && activation !== 'sigmoid') {
    throw new RangeError(`${field}.activation '${String(activation)}' cannot be exported (tanh, relu, sigmoid)`);
  }
  if (config['goBackwards'] === true || config['stateful'] === true) {
    throw new RangeError(`${field}: goBackwards and stateful GRUs cannot be exported`);
  }
  const [kernel, recurrentKernel, bias] = weights;
  if (kernel === undefined || recurrentKernel === undefined) throw new RangeError(`${field} has no trained weights`);
  return {
    kind: 'gru',
    units,
    resetAfter: config['resetAfter'] === true,
    returnSequences: config['returnSequences'] === true,
    activation,
    recurrentActivation: recurrent,
    weights: bias === undefined ? { kernel, recurrentKernel } : { kernel, recurrentKernel, bias },
  };
}

/** The input size of a layer: the last dimension of its (first) input shape. */
function inputSizeOf(layer: TfjsLayer, field: string): number {
  const shape = layer.batchInputShape ?? (layer.inputSpec?.[0]?.shape as number[] | undefined) ?? (layer.input as { shape?: (number | null)[] }).shape;
  const last = Array.isArray(shape) ? shape[shape.length - 1] : undefined;
  if (typeof last !== 'number') throw new RangeError(`${field}: the input size is not known (build the model first)`);
  return last;
}

function convert(layer: TfjsLayer, field: string): LayerSpec | undefined {
  const config = layer.getConfig() as Config;
  const className = layer.getClassName();
  const weights = weightsOf(layer);
  switch (className) {
    case 'InputLayer':
    case 'Dropout':
    case 'SpatialDropout1D':
      return undefined; // Identity at inference.
    case 'Dense': {
      const [kernel, bias] = weights;
      const units = config['units'] as number;
      if (kernel === undefined) throw new RangeError(`${field} has no trained weights`);
      return { kind: 'dense', kernel, ...(bias === undefined ? {} : { bias }), inputSize: kernel.length / units, units, activation: activationOf(config, field) };
    }
    case 'Embedding': {
      if (config['maskZero'] === true) throw new RangeError(`${field}: maskZero embeddings cannot be exported`);
      const [table] = weights;
      if (table === undefined) throw new RangeError(`${field} has no trained weights`);
      return { kind: 'embedding', table, vocabularySize: config['inputDim'] as number, dim: config['outputDim'] as number };
    }
    case 'Conv2D': {
      if ((config['dataFormat'] ?? 'channelsLast') !== 'channelsLast') throw new RangeError(`${field}: only channelsLast Conv2D can be exported`);
      const [kernel, bias] = weights;
      const kernelSize = pair(config['kernelSize'], [1, 1]);
      const filters = config['filters'] as number;
      if (kernel === undefined) throw new RangeError(`${field} has no trained weights`);
      return {
        kind: 'conv2d',
        kernel,
        ...(bias === undefined ? {} : { bias }),
        kernelSize,
        inChannels: kernel.length / (kernelSize[0] * kernelSize[1] * filters),
        filters,
        strides: pair(config['strides'], [1, 1]),
        dilation: pair(config['dilationRate'], [1, 1]),
        padding: padding(config, field),
        activation: activationOf(config, field),
      };
    }
    case 'MaxPooling2D': {
      if ((config['dataFormat'] ?? 'channelsLast') !== 'channelsLast') throw new RangeError(`${field}: only channelsLast pooling can be exported`);
      const poolSize = pair(config['poolSize'], [2, 2]);
      return { kind: 'max_pool2d', poolSize, strides: pair(config['strides'], poolSize), padding: padding(config, field) };
    }
    case 'Flatten':
      return { kind: 'flatten' };
    case 'Activation':
      return { kind: 'activation', activation: activationOf(config, field) };
    case 'Softmax':
      if (config['axis'] !== undefined && config['axis'] !== -1) throw new RangeError(`${field}: only a softmax over the last axis can be exported`);
      return { kind: 'activation', activation: 'softmax' };
    case 'GRU': {
      const { weights: forward, ...gru } = gruOf(config, weights, field);
      return { ...gru, inputSize: inputSizeOf(layer, field), forward };
    }
    case 'Bidirectional': {
      const inner = config['layer'] as { className?: string; config?: Config } | undefined;
      if (inner?.className !== 'GRU' || inner.config === undefined) throw new RangeError(`${field}: only Bidirectional(GRU) can be exported`);
      if ((config['mergeMode'] ?? 'concat') !== 'concat') throw new RangeError(`${field}: only mergeMode 'concat' can be exported`);
      const half = weights.length / 2;
      const { weights: forward, ...gru } = gruOf(inner.config, weights.slice(0, half), `${field}.forward`);
      const { weights: backward } = gruOf(inner.config, weights.slice(half), `${field}.backward`);
      return { ...gru, inputSize: inputSizeOf(layer, field), forward, backward };
    }
    default:
      throw new RangeError(`${field}: tfjs layer '${className}' cannot be exported`);
  }
}

/**
 * Reads a tfjs-layers model (a chain of layers: Sequential, or a functional model without
 * branches) into an {@link ExportModelSpec}: its input shape, and each layer's config and trained
 * weights in tfjs's own layouts. Dropout layers are dropped (identity at inference).
 *
 * @throws RangeError naming the layer (`layers[2]`) for anything the exporter cannot write.
 */
export function specFromTfjsModel(model: LayersModel, options: { classNames?: string[]; inputName?: string; outputName?: string } = {}): ExportModelSpec {
  const input = model.inputs[0];
  if (input === undefined || model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new RangeError('the model must have exactly one input and one output');
  }
  const layers: LayerSpec[] = [];
  model.layers.forEach((layer, i) => {
    const spec = convert(layer, `layers[${i}]`);
    if (spec !== undefined) layers.push(spec);
  });
  return {
    inputShape: input.shape.slice(1).map((d) => d ?? -1),
    layers,
    ...options,
  };
}
