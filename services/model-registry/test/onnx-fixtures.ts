/**
 * Hand-made ONNX models for the registry's safety tests: each is a valid
 * protobuf with the demo signature (features [batch,4] FP32 -> probabilities
 * [batch,3]) and exactly one defect.
 */
import { onnx } from 'onnx-proto';

const FLOAT = onnx.TensorProto.DataType.FLOAT;

type Dim = number | string;

function valueInfo(name: string, dims: Dim[], elemType: number = FLOAT): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

function weights(name: string): onnx.ITensorProto {
  return { name, dataType: FLOAT, dims: [4, 3], floatData: Array.from({ length: 12 }, (_, i) => i / 12) };
}

/** A tensor whose 48 bytes are said to live in `location`. */
export function externalWeights(name: string, location: string): onnx.ITensorProto {
  return {
    name,
    dataType: FLOAT,
    dims: [4, 3],
    dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
    externalData: [
      { key: 'location', value: location },
      { key: 'offset', value: '0' },
      { key: 'length', value: '48' },
    ],
  };
}

interface Parts {
  nodes?: onnx.INodeProto[];
  initializers?: onnx.ITensorProto[];
  input?: onnx.IValueInfoProto;
  output?: onnx.IValueInfoProto;
}

/** probabilities = MatMul(features, w), with parts replaced as given. */
export function handModel(parts: Parts = {}): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'registry-test',
    graph: {
      name: 'main',
      node: parts.nodes ?? [{ opType: 'MatMul', name: 'mm', input: ['features', 'w'], output: ['probabilities'] }],
      initializer: parts.initializers ?? [weights('w')],
      input: [parts.input ?? valueInfo('features', ['batch', 4])],
      output: [parts.output ?? valueInfo('probabilities', ['batch', 3])],
    },
  });
  return new Uint8Array(onnx.ModelProto.encode(model).finish());
}

/** The initializer's data is "in" another file. */
export function externalDataModel(location: string): Uint8Array {
  return handModel({ initializers: [externalWeights('w', location)] });
}

/** The main graph is clean; an If branch (nested in another If) carries external data. */
export function subgraphExternalDataModel(location: string): Uint8Array {
  const branch = (name: string, tensor: onnx.ITensorProto): onnx.IGraphProto => ({
    name,
    node: [{ opType: 'Identity', name: `${name}_id`, input: [tensor.name ?? ''], output: [`${name}_out`] }],
    initializer: [tensor],
    output: [valueInfo(`${name}_out`, [4, 3])],
  });
  const inner: onnx.INodeProto = {
    opType: 'If',
    name: 'inner_if',
    input: ['cond'],
    output: ['outer_then_out'],
    attribute: [
      { name: 'then_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: branch('inner_then', externalWeights('hidden', location)) },
      { name: 'else_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: branch('inner_else', weights('plain2')) },
    ],
  };
  const outerThen: onnx.IGraphProto = { name: 'outer_then', node: [inner], output: [valueInfo('outer_then_out', [4, 3])] };
  return handModel({
    nodes: [
      { opType: 'Constant', name: 'c', output: ['cond'], attribute: [{ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: { dataType: onnx.TensorProto.DataType.BOOL, dims: [], int32Data: [1] } }] },
      {
        opType: 'If',
        name: 'outer_if',
        input: ['cond'],
        output: ['w2'],
        attribute: [
          { name: 'then_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: outerThen },
          { name: 'else_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: branch('outer_else', weights('plain3')) },
        ],
      },
      { opType: 'MatMul', name: 'mm', input: ['features', 'w2'], output: ['probabilities'] },
    ],
    initializers: [],
  });
}

/** An op no runtime knows. */
export function unknownOpModel(): Uint8Array {
  return handModel({
    nodes: [
      { opType: 'MatMul', name: 'mm', input: ['features', 'w'], output: ['logits'] },
      { opType: 'NoSuchOp', name: 'mystery', input: ['logits'], output: ['probabilities'] },
    ],
  });
}

/** A node reads a tensor nothing produces. */
export function danglingInputModel(): Uint8Array {
  return handModel({ nodes: [{ opType: 'MatMul', name: 'mm', input: ['features', 'ghost'], output: ['probabilities'] }] });
}

/** The input declares a dimension no runtime could allocate. */
export function absurdDimModel(): Uint8Array {
  return handModel({ input: valueInfo('features', ['batch', 9007199254740991]) });
}

/** A valid model whose input has `inputWidth` features (4 in the demo signature). */
export function widthModel(inputWidth: number): Uint8Array {
  return handModel({
    initializers: [{ name: 'w', dataType: FLOAT, dims: [inputWidth, 3], floatData: Array.from({ length: inputWidth * 3 }, () => 0.5) }],
    input: valueInfo('features', ['batch', inputWidth]),
  });
}

/** A valid model with INT64 features (cast to float inside). */
export function int64InputModel(): Uint8Array {
  return handModel({
    nodes: [
      { opType: 'Cast', name: 'cast', input: ['features'], output: ['f'], attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: FLOAT }] },
      { opType: 'MatMul', name: 'mm', input: ['f', 'w'], output: ['probabilities'] },
    ],
    input: valueInfo('features', ['batch', 4], onnx.TensorProto.DataType.INT64),
  });
}
