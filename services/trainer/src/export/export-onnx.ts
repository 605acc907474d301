import { ElemType, encodeModel, intsAttribute, readOnnxSignature, tensorValueInfo, type Dim, type OnnxSignature } from '@l1g1/onnx';
import { emitActivation } from './emit-activation';
import { emitConv2d, emitFlatten, emitMaxPool2d } from './emit-conv';
import { emitDense } from './emit-dense';
import { emitEmbedding, emitEmbeddingBag } from './emit-embedding';
import { emitGru } from './emit-gru';
import type { EmitState } from './emit-state';
import { type ExportPrecision, GraphBuilder } from './graph-builder';
import type { ExportModelSpec, LayerSpec } from './layer-spec';

/** Options of {@link exportOnnx}. */
export interface ExportOnnxOptions {
  /** Weight storage; default `'fp32'`. See {@link GraphBuilder} for what each variant does. */
  precision?: ExportPrecision;
  /** `producer_version` written into the model (e.g. the trainer's code version). */
  producerVersion?: string;
  /** Extra `metadata_props` (e.g. lineage ids); `class_names` comes from the spec. */
  metadata?: Readonly<Record<string, string>>;
}

/** An exported model, ready to upload to the registry. */
export interface ExportedModel {
  bytes: Uint8Array;
  precision: ExportPrecision;
  /** Read back from the bytes, so it is exactly what the registry will record at upload. */
  signature: OnnxSignature;
  /** The model's `metadata_props`, including `class_names` (a JSON array) when given. */
  metadata: Record<string, string>;
}

/** Metadata key holding the class names, a JSON array of strings indexed like the output's last axis. */
export const CLASS_NAMES_KEY = 'class_names';

/** Version of the graph layout written here; bump when the emitted graph changes. */
export const EXPORT_FORMAT_VERSION = '1';

const BATCH: Dim = 'batch';

function takesIds(layer: LayerSpec | undefined): boolean {
  return layer?.kind === 'embedding' || layer?.kind === 'embedding_bag';
}

function emitLayer(graph: GraphBuilder, state: EmitState, layer: LayerSpec, field: string): EmitState {
  switch (layer.kind) {
    case 'dense':
      return emitDense(graph, state, layer, field);
    case 'embedding':
      return emitEmbedding(graph, state, layer, field);
    case 'embedding_bag':
      return emitEmbeddingBag(graph, state, layer, field);
    case 'conv2d':
      return emitConv2d(graph, state, layer, field);
    case 'max_pool2d':
      return emitMaxPool2d(graph, state, layer, field);
    case 'flatten':
      return emitFlatten(graph, state, layer, field);
    case 'gru':
      return emitGru(graph, state, layer, field);
    case 'activation':
      return { ...state, tensor: emitActivation(graph, state.tensor, layer.activation, field), path: field };
    default:
      throw new RangeError(`${field}.kind '${String((layer as { kind: unknown }).kind)}' cannot be exported`);
  }
}

/**
 * Writes `spec` as an ONNX model (IR 8, opset 13) through `@l1g1/onnx`'s encoder.
 *
 * The input is `[batch, ...spec.inputShape]`: INT64 ids when the first layer is an embedding
 * (bag), else FP32 (images channels-last, as tfjs takes them). The output is FP32 at every
 * precision, so the fp16 and int8 variants have the fp32 model's signature and the registry
 * accepts them as variants of one version.
 *
 * @throws RangeError naming the field (`layers[2].kernel`, `classNames`) when the spec is
 *   inconsistent: weight sizes, layer chaining, unsupported activations or layers.
 */
export function exportOnnx(spec: ExportModelSpec, options: ExportOnnxOptions = {}): ExportedModel {
  const precision = options.precision ?? 'fp32';
  if (precision !== 'fp32' && precision !== 'fp16' && precision !== 'int8') {
    throw new RangeError(`precision must be 'fp32', 'fp16' or 'int8', got '${String(precision)}'`);
  }
  if (spec.layers.length === 0) throw new RangeError('layers must not be empty');
  const inputName = spec.inputName ?? 'input';
  const outputName = spec.outputName ?? 'output';
  if (inputName === '' || outputName === '' || inputName === outputName) {
    throw new RangeError('inputName and outputName must be non-empty and differ');
  }
  spec.inputShape.forEach((d, i) => {
    if (!Number.isSafeInteger(d) || (d < 1 && d !== -1)) throw new RangeError(`inputShape[${i}] must be a positive integer or -1, got ${String(d)}`);
  });

  const graph = new GraphBuilder(precision);
  graph.reserve(inputName);
  graph.reserve(outputName);
  const inputShape: Dim[] = [BATCH, ...spec.inputShape.map((d, i) => (d === -1 ? `input_dim_${i + 1}` : d))];
  const ids = takesIds(spec.layers[0]);
  let state: EmitState = { tensor: inputName, shape: inputShape, layout: inputShape.length === 4 ? 'nhwc' : 'plain', path: 'input' };
  spec.layers.forEach((layer, i) => {
    if (i > 0 && takesIds(layer)) throw new RangeError(`layers[${i}]: an embedding must be the first layer (it takes the ids)`);
    state = emitLayer(graph, state, layer, `layers[${i}]`);
  });
  // A 4-D output (a conv stack without Flatten) is given back channels-last, as tfjs has it.
  const last = state.layout === 'nchw' ? graph.op('Transpose', [state.tensor], [intsAttribute('perm', [0, 2, 3, 1])]) : state.tensor;
  graph.op('Identity', [last], [], outputName);

  const metadata: Record<string, string> = { ...options.metadata };
  if (spec.classNames !== undefined) {
    const classes = state.shape[state.shape.length - 1];
    if (spec.classNames.length !== classes || spec.classNames.some((c) => typeof c !== 'string')) {
      throw new RangeError(`classNames must hold one string per output class (${String(classes)}), got ${spec.classNames.length}`);
    }
    metadata[CLASS_NAMES_KEY] = JSON.stringify(spec.classNames);
  }
  const bytes = encodeModel({
    graphName: 'trainer_export',
    nodes: graph.nodes,
    initializers: graph.initializers,
    inputs: [tensorValueInfo(inputName, ids ? ElemType.INT64 : ElemType.FLOAT, inputShape)],
    outputs: [tensorValueInfo(outputName, ElemType.FLOAT, state.shape)],
    producerVersion: options.producerVersion ?? EXPORT_FORMAT_VERSION,
    docString: `${spec.layers.map((l) => l.kind).join(' → ')}, ${precision} weights`,
    metadataProps: metadata,
  });
  return { bytes, precision, signature: readOnnxSignature(bytes), metadata };
}
