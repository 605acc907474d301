// Small constructors for the ONNX protobuf messages the builders emit; exported from the package
// for other graph writers (the trainer's export) so that there is one encoder.
import { onnx } from 'onnx-proto';

/**
 * IR version 8 / opset 13 is the newest pair the bundled `onnx-proto` schema (ONNX 1.10)
 * describes, and every op the builders use (Gemm, MatMulInteger, DynamicQuantizeLinear,
 * Softmax over the last axis) has its current semantics at opset 13.
 */
export const IR_VERSION = 8;
export const OPSET_VERSION = 13;
export const PRODUCER_NAME = 'l1g1-onnx';

export const ElemType = onnx.TensorProto.DataType;

/** A dimension: a fixed size, or the name of a symbolic (dynamic) one. */
export type Dim = number | string;

export function tensorValueInfo(name: string, elemType: number, dims: readonly Dim[]): onnx.IValueInfoProto {
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

/** An initializer holding `raw` (already little-endian) as `raw_data`. */
export function rawInitializer(
  name: string,
  elemType: number,
  dims: readonly number[],
  raw: Uint8Array,
): onnx.ITensorProto {
  return { name, dataType: elemType, dims: [...dims], rawData: raw };
}

/** Little-endian bytes of float32 values, independent of the host's endianness. */
export function float32LeBytes(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i] ?? 0, true);
  return out;
}

/** Little-endian bytes of 16-bit values (e.g. float16 bit patterns). */
export function uint16LeBytes(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setUint16(i * 2, values[i] ?? 0, true);
  return out;
}

export function intAttribute(name: string, value: number): onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
}

export function intsAttribute(name: string, values: readonly number[]): onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: [...values] };
}

export function floatsAttribute(name: string, values: readonly number[]): onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.FLOATS, floats: [...values] };
}

export function stringAttribute(name: string, value: string): onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(value) };
}

export function stringsAttribute(name: string, values: readonly string[]): onnx.IAttributeProto {
  const encoder = new TextEncoder();
  return { name, type: onnx.AttributeProto.AttributeType.STRINGS, strings: values.map((v) => encoder.encode(v)) };
}

/** Little-endian bytes of int64 values (ids, shapes, axes). */
export function int64LeBytes(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setBigInt64(i * 8, BigInt(values[i] ?? 0), true);
  return out;
}

export function node(
  opType: string,
  name: string,
  inputs: readonly string[],
  outputs: readonly string[],
  attribute: readonly onnx.IAttributeProto[] = [],
): onnx.INodeProto {
  return { opType, name, input: [...inputs], output: [...outputs], attribute: [...attribute] };
}

export interface ModelParts {
  graphName: string;
  nodes: onnx.INodeProto[];
  initializers: onnx.ITensorProto[];
  inputs: onnx.IValueInfoProto[];
  outputs: onnx.IValueInfoProto[];
  producerVersion: string;
  docString: string;
  /**
   * `metadata_props` of the model (e.g. `class_names`): key/value strings that runtimes expose
   * (onnxruntime's `modelMetadata.customMetadataMap`) without running the graph.
   */
  metadataProps?: Readonly<Record<string, string>>;
}

/** Encodes a single-graph model in the default domain at {@link OPSET_VERSION}. */
export function encodeModel(parts: ModelParts): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET_VERSION }],
    producerName: PRODUCER_NAME,
    producerVersion: parts.producerVersion,
    docString: parts.docString,
    metadataProps: Object.entries(parts.metadataProps ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: parts.graphName,
      node: parts.nodes,
      initializer: parts.initializers,
      input: parts.inputs,
      output: parts.outputs,
    },
  });
  // Copy out of protobufjs's pooled Buffer so callers own a plain, unshared Uint8Array.
  return new Uint8Array(onnx.ModelProto.encode(model).finish());
}
