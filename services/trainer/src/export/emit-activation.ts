import { intAttribute } from '@l1g1/onnx';
import type { GraphBuilder } from './graph-builder';
import type { ExportActivation } from './layer-spec';

/** Appends `activation` after `input` (softmax over the last axis); returns the result's name. */
export function emitActivation(graph: GraphBuilder, input: string, activation: ExportActivation, field: string): string {
  switch (activation) {
    case 'linear':
      return input;
    case 'relu':
      return graph.op('Relu', [input]);
    case 'tanh':
      return graph.op('Tanh', [input]);
    case 'sigmoid':
      return graph.op('Sigmoid', [input]);
    case 'softmax':
      // Opset 13 Softmax normalises along one axis, as tfjs does: per token on [batch, time, classes].
      return graph.op('Softmax', [input], [intAttribute('axis', -1)]);
    default:
      throw new RangeError(`${field}: activation '${String(activation)}' cannot be exported (relu, tanh, sigmoid, softmax, linear)`);
  }
}
