import { intAttribute, intsAttribute, stringAttribute, type Dim } from '@l1g1/onnx';
import { emitActivation } from './emit-activation';
import { type EmitState, expectLength, expectPositive } from './emit-state';
import type { GraphBuilder } from './graph-builder';
import type { Conv2dLayerSpec, FlattenLayerSpec, MaxPool2dLayerSpec } from './layer-spec';

/** NHWC → NCHW and back: tfjs is channels-last, ONNX Conv and MaxPool are channels-first. */
const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];

function toNchw(graph: GraphBuilder, state: EmitState, field: string): string {
  if (state.shape.length !== 4) throw new RangeError(`${field}: expects an image input [batch, height, width, channels]`);
  return state.layout === 'nchw' ? state.tensor : graph.op('Transpose', [state.tensor], [intsAttribute('perm', TO_NCHW)]);
}

/** TF's output size: 'valid' keeps whole windows only, 'same' is ceil(size / stride). */
function outputSize(size: Dim, window: number, stride: number, dilation: number, padding: 'valid' | 'same'): Dim {
  if (typeof size !== 'number') return size;
  const span = (window - 1) * dilation + 1;
  return padding === 'same' ? Math.ceil(size / stride) : Math.floor((size - span) / stride) + 1;
}

/**
 * TF's 'same' puts the odd padding cell at the end (bottom/right), which is ONNX's SAME_UPPER.
 * 'valid' is no padding.
 */
function padAttribute(padding: 'valid' | 'same', field: string): ReturnType<typeof stringAttribute> {
  if (padding !== 'valid' && padding !== 'same') throw new RangeError(`${field}.padding must be 'valid' or 'same', got '${String(padding)}'`);
  return stringAttribute('auto_pad', padding === 'same' ? 'SAME_UPPER' : 'VALID');
}

function checkPair(field: string, pair: readonly number[]): void {
  if (!Array.isArray(pair) || pair.length !== 2) throw new RangeError(`${field} must be [rows, columns]`);
  pair.forEach((v, i) => expectPositive(`${field}[${i}]`, v));
}

/**
 * Conv2D: the kernel goes from tfjs's `[kh, kw, in, out]` to ONNX's `[out, in, kh, kw]`
 * (a transpose of the weights, done here once), and the activation runs NCHW.
 */
export function emitConv2d(graph: GraphBuilder, state: EmitState, layer: Conv2dLayerSpec, field: string): EmitState {
  checkPair(`${field}.kernelSize`, layer.kernelSize);
  checkPair(`${field}.strides`, layer.strides);
  checkPair(`${field}.dilation`, layer.dilation);
  expectPositive(`${field}.filters`, layer.filters);
  const [kh, kw] = layer.kernelSize;
  const channels = state.shape[3];
  if (channels !== layer.inChannels) {
    throw new RangeError(`${field}.inChannels is ${layer.inChannels} but its input has ${String(channels)} channels`);
  }
  expectLength(`${field}.kernel`, layer.kernel, [kh, kw, layer.inChannels, layer.filters]);
  if (layer.bias !== undefined) expectLength(`${field}.bias`, layer.bias, [layer.filters]);

  const onnxKernel = new Float32Array(layer.kernel.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < layer.inChannels; i++)
        for (let o = 0; o < layer.filters; o++) {
          onnxKernel[((o * layer.inChannels + i) * kh + y) * kw + x] =
            layer.kernel[((y * kw + x) * layer.inChannels + i) * layer.filters + o] ?? 0;
        }
  const inputs = [toNchw(graph, state, field), graph.weight(`${field}.kernel`, onnxKernel, [layer.filters, layer.inChannels, kh, kw])];
  if (layer.bias !== undefined) inputs.push(graph.bias(`${field}.bias`, layer.bias, [layer.filters]));
  const conv = graph.op('Conv', inputs, [
    padAttribute(layer.padding, field),
    intsAttribute('kernel_shape', [kh, kw]),
    intsAttribute('strides', layer.strides),
    intsAttribute('dilations', layer.dilation),
  ]);
  const out = emitActivation(graph, conv, layer.activation, field);
  const [batch, height, width] = state.shape as [Dim, Dim, Dim];
  return {
    tensor: out,
    layout: 'nchw',
    path: field,
    shape: [
      batch,
      outputSize(height, kh, layer.strides[0], layer.dilation[0], layer.padding),
      outputSize(width, kw, layer.strides[1], layer.dilation[1], layer.padding),
      layer.filters,
    ],
  };
}

/** MaxPooling2D, NCHW. */
export function emitMaxPool2d(graph: GraphBuilder, state: EmitState, layer: MaxPool2dLayerSpec, field: string): EmitState {
  checkPair(`${field}.poolSize`, layer.poolSize);
  checkPair(`${field}.strides`, layer.strides);
  const out = graph.op('MaxPool', [toNchw(graph, state, field)], [
    padAttribute(layer.padding, field),
    intsAttribute('kernel_shape', layer.poolSize),
    intsAttribute('strides', layer.strides),
  ]);
  const [batch, height, width, channels] = state.shape as [Dim, Dim, Dim, Dim];
  return {
    tensor: out,
    layout: 'nchw',
    path: field,
    shape: [
      batch,
      outputSize(height, layer.poolSize[0], layer.strides[0], 1, layer.padding),
      outputSize(width, layer.poolSize[1], layer.strides[1], 1, layer.padding),
      channels,
    ],
  };
}

/**
 * Flatten in tfjs's order: an NCHW value goes back to NHWC first, so the following Dense kernel,
 * trained on channels-last features, is used unchanged.
 */
export function emitFlatten(graph: GraphBuilder, state: EmitState, _layer: FlattenLayerSpec, field: string): EmitState {
  const rest = state.shape.slice(1);
  if (rest.some((d) => typeof d !== 'number')) throw new RangeError(`${field}: Flatten needs fixed sizes after the batch dimension`);
  const input = state.layout === 'nchw' ? graph.op('Transpose', [state.tensor], [intsAttribute('perm', TO_NHWC)]) : state.tensor;
  const out = graph.op('Flatten', [input], [intAttribute('axis', 1)]);
  const size = (rest as number[]).reduce((a, b) => a * b, 1);
  return { tensor: out, layout: 'plain', path: field, shape: [state.shape[0] ?? 'batch', size] };
}
