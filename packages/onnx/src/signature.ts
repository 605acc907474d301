import { onnx } from 'onnx-proto';
import { onnxElemTypeName, onnxElemTypeToOip, type OipDatatype } from './datatypes';
import { InvalidOnnxError } from './errors';

/** One input or output of a model, as a client must shape it. */
export interface OnnxTensorSpec {
  name: string;
  datatype: OipDatatype;
  /** One entry per dimension; `-1` where the size is dynamic. */
  shape: number[];
  /** Per dimension, the symbolic name (e.g. `'batch'`); `''` when fixed or unnamed. */
  dimNames: string[];
}

/** The serving signature of an ONNX model, plus the version facts a registry records. */
export interface OnnxSignature {
  /** Graph inputs the caller must feed (initializers listed as inputs are left out). */
  inputs: OnnxTensorSpec[];
  outputs: OnnxTensorSpec[];
  irVersion: number;
  /** Version of the default (`ai.onnx`) operator set. */
  opsetVersion: number;
  producerName: string;
}

/** An int64 as decoded by protobufjs: a number, or a `Long` when the `long` package is present. */
type Int64 = number | { toNumber(): number };

function int64ToNumber(value: Int64 | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : value.toNumber();
}

function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Parses an ONNX `ModelProto` and returns its serving signature: the graph inputs that are not
 * initializers, and the graph outputs, with OIP datatypes and shapes (`-1` and a dim name for
 * symbolic dimensions).
 *
 * Only the model's protobuf is read (not external data files), so this is cheap enough to run
 * on upload, before a model is ever loaded into a runtime.
 *
 * @throws InvalidOnnxError for anything that is not a usable ONNX model: empty or non-protobuf
 *   bytes (text, random data, a truncated file), no graph, no nodes, no outputs, a missing
 *   `ir_version` or default-domain `opset_import`, inputs or outputs that are not tensors, that
 *   declare no shape, or whose element type the Open Inference Protocol cannot carry (the error
 *   names the tensor and the ONNX type).
 */
export function readOnnxSignature(bytes: Uint8Array): OnnxSignature {
  if (!(bytes instanceof Uint8Array)) {
    throw new InvalidOnnxError(`expected the model's bytes, got ${typeof bytes}`);
  }
  if (bytes.length === 0) throw new InvalidOnnxError('the artifact is empty (0 bytes)');

  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err: unknown) {
    throw new InvalidOnnxError(
      `the bytes are not a protobuf ModelProto (${describeError(err)}); ` +
        'upload the .onnx file itself, complete and not compressed',
      { cause: err },
    );
  }

  const irVersion = int64ToNumber(model.irVersion);
  if (irVersion <= 0) {
    throw new InvalidOnnxError('ir_version is missing; the file is probably not an ONNX model or was truncated');
  }
  const defaultOpset = model.opsetImport.find((entry) => entry.domain === '' || entry.domain === 'ai.onnx');
  if (defaultOpset === undefined) {
    throw new InvalidOnnxError('opset_import declares no version of the default ONNX operator set (ai.onnx)');
  }
  const opsetVersion = int64ToNumber(defaultOpset.version);
  if (opsetVersion <= 0) throw new InvalidOnnxError('opset_import gives no version for the default ONNX operator set');

  const graph = model.graph;
  if (graph === null || graph === undefined) throw new InvalidOnnxError('the model has no graph');
  const nodes = graph.node ?? [];
  const graphInputs = graph.input ?? [];
  const graphOutputs = graph.output ?? [];
  if (nodes.length === 0) throw new InvalidOnnxError('the graph has no nodes');
  if (graphOutputs.length === 0) throw new InvalidOnnxError('the graph declares no outputs');

  const initializerNames = new Set((graph.initializer ?? []).map((tensor) => tensor.name));
  return {
    inputs: graphInputs.filter((input) => !initializerNames.has(input.name)).map((input) => toTensorSpec(input, 'input')),
    outputs: graphOutputs.map((output) => toTensorSpec(output, 'output')),
    irVersion,
    opsetVersion,
    producerName: model.producerName,
  };
}

function toTensorSpec(info: onnx.IValueInfoProto, role: 'input' | 'output'): OnnxTensorSpec {
  const name = info.name ?? '';
  if (name === '') throw new InvalidOnnxError(`a graph ${role} has no name`);
  const tensorType = info.type?.tensorType;
  if (tensorType === null || tensorType === undefined) {
    throw new InvalidOnnxError(
      `${role} '${name}' is not a dense tensor (sequence, map, optional and sparse values cannot be served)`,
    );
  }
  const elemType = tensorType.elemType ?? 0;
  let datatype: OipDatatype;
  try {
    datatype = onnxElemTypeToOip(elemType);
  } catch (err: unknown) {
    throw new InvalidOnnxError(
      `${role} '${name}' has element type ${onnxElemTypeName(elemType)}, which the Open Inference Protocol cannot carry`,
      { cause: err },
    );
  }
  const dims = tensorType.shape?.dim;
  if (dims === null || dims === undefined) {
    throw new InvalidOnnxError(
      `${role} '${name}' declares no shape; re-export the model with shapes (or run ONNX shape inference)`,
    );
  }
  const shape: number[] = [];
  const dimNames: string[] = [];
  for (const dim of dims) {
    // `dim_value` and `dim_param` are a oneof; protobufjs puts unset fields' defaults (0, '') on the
    // prototype, so only an own `dimValue` is a fixed size. Neither set: unnamed dynamic dimension.
    const size = Object.hasOwn(dim, 'dimValue') ? int64ToNumber(dim.dimValue) : -1;
    shape.push(size >= 0 ? size : -1);
    dimNames.push(size >= 0 ? '' : (dim.dimParam ?? ''));
  }
  return { name, datatype, shape, dimNames };
}
