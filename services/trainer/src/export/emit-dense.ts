import { emitActivation } from './emit-activation';
import { type EmitState, expectLength, expectPositive, lastDim } from './emit-state';
import type { GraphBuilder } from './graph-builder';
import type { DenseLayerSpec } from './layer-spec';

/**
 * Dense as MatMul + Add over the last axis: unlike Gemm it takes any rank, so the same layer
 * serves `[batch, features]` and per-token `[batch, time, features]` (the tagger's output layer).
 */
export function emitDense(graph: GraphBuilder, state: EmitState, layer: DenseLayerSpec, field: string): EmitState {
  expectPositive(`${field}.units`, layer.units);
  const inputSize = lastDim(state, field);
  if (layer.inputSize !== inputSize) {
    throw new RangeError(`${field}.inputSize is ${layer.inputSize} but its input has ${inputSize} features`);
  }
  expectLength(`${field}.kernel`, layer.kernel, [layer.inputSize, layer.units]);
  if (layer.bias !== undefined) expectLength(`${field}.bias`, layer.bias, [layer.units]);
  let out = graph.matmul(field, state.tensor, layer.kernel, layer.inputSize, layer.units);
  if (layer.bias !== undefined) out = graph.op('Add', [out, graph.bias(`${field}.bias`, layer.bias, [layer.units])]);
  out = emitActivation(graph, out, layer.activation, field);
  return { ...state, tensor: out, shape: [...state.shape.slice(0, -1), layer.units], path: field };
}
