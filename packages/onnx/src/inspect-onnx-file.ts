/**
 * Reads an ONNX model FROM A FILE without loading it: a streaming walk over
 * the protobuf wire format that reads tags and lengths, descends into the
 * messages that matter (the graph, nodes, attributes, tensors, nested graphs
 * of If/Loop/Scan, functions, training graphs) and seeks over everything
 * else, notably the bulk weight fields (`raw_data`, `float_data` ...). Memory
 * stays a small window plus names, whatever the file's size.
 *
 * Written by hand (rather than decoding with `onnx-proto`/protobufjs) because
 * a decoder materialises every field, i.e. the whole artifact, in memory;
 * the wire format is five wire types and a varint, and only a dozen ONNX
 * message shapes are walked (field numbers from onnx.proto).
 *
 * It answers the serving signature (as `readOnnxSignature` does) and refuses:
 *   - any tensor anywhere that stores its data outside the file (external
 *     data): graph initializers, sparse initializers, Constant and other node
 *     attributes, subgraphs and functions, recursively;
 *   - signature dimensions that are negative or absurdly large.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { onnxElemTypeName, onnxElemTypeToOip, type OipDatatype } from './datatypes';
import { InvalidOnnxError } from './errors';
import type { OnnxSignature, OnnxTensorSpec } from './signature';

/** Largest fixed dimension accepted in a signature (int32 max: what any runtime indexes). */
export const MAX_SIGNATURE_DIM = 2_147_483_647;
/** Graphs nested deeper than this (If inside Loop inside ...) are refused. */
const MAX_GRAPH_DEPTH = 32;
/** Messages nested deeper than this are refused (protects the walker's stack). */
const MAX_MESSAGE_DEPTH = 128;
/** Names and other strings read are cut at this length. */
const MAX_STRING_BYTES = 64 * 1024;
const WINDOW_BYTES = 64 * 1024;

// Wire types.
const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;
const FIXED32 = 5;

/** One decoded field header: where its value lies. */
interface Field {
  number: number;
  wireType: number;
  /** VARINT: the value (imprecise above 2^53; int64 negatives read as >= 2^63). */
  varint: number;
  /** LEN: the value's byte range. */
  start: number;
  end: number;
}

/** Positioned reads through a small window: only what the walk touches is read. */
class WindowReader {
  private readonly window = Buffer.allocUnsafe(WINDOW_BYTES);
  private windowStart = 0;
  private windowLength = 0;

  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {}

  byteAt(pos: number): number {
    if (pos < this.windowStart || pos >= this.windowStart + this.windowLength) {
      this.windowStart = pos;
      this.windowLength = readSync(this.fd, this.window, 0, Math.min(WINDOW_BYTES, this.size - pos), pos);
      if (this.windowLength <= 0) throw truncated();
    }
    return this.window[pos - this.windowStart] as number;
  }

  /** Bytes [start, end), cut to MAX_STRING_BYTES. */
  slice(start: number, end: number): Buffer {
    const length = Math.min(end - start, MAX_STRING_BYTES);
    const out = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, out, done, length - done, start + done);
      if (n <= 0) throw truncated();
      done += n;
    }
    return out;
  }
}

function truncated(): InvalidOnnxError {
  return new InvalidOnnxError(
    'the bytes are not a protobuf ModelProto (a field runs past the end of the file); ' +
      'upload the .onnx file itself, complete and not compressed',
  );
}

function notProtobuf(detail: string): InvalidOnnxError {
  return new InvalidOnnxError(
    `the bytes are not a protobuf ModelProto (${detail}); upload the .onnx file itself, complete and not compressed`,
  );
}

/** Iterates the fields of the message occupying [start, end). */
function* fields(reader: WindowReader, start: number, end: number): Generator<Field> {
  let pos = start;
  const varintAt = (): number => {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= end) throw truncated();
      const byte = reader.byteAt(pos++);
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return value;
      scale *= 128;
    }
    throw notProtobuf('a varint longer than 10 bytes');
  };
  while (pos < end) {
    const key = varintAt();
    const number = Math.floor(key / 8);
    const wireType = key % 8;
    if (number === 0) throw notProtobuf('field number 0');
    const field: Field = { number, wireType, varint: 0, start: 0, end: 0 };
    switch (wireType) {
      case VARINT:
        field.varint = varintAt();
        break;
      case FIXED64:
        pos += 8;
        break;
      case FIXED32:
        pos += 4;
        break;
      case LEN: {
        const length = varintAt();
        field.start = pos;
        field.end = pos + length;
        if (field.end > end) throw truncated();
        pos = field.end;
        break;
      }
      default:
        throw notProtobuf(`wire type ${wireType}`);
    }
    if (pos > end) throw truncated();
    yield field;
  }
}

/** Where in the model a tensor or graph sits, for messages a user can act on. */
type Path = readonly string[];

function describe(path: Path): string {
  return path.join(' > ');
}

/** What the walk of the main graph collects. */
interface MainGraph {
  hasGraph: boolean;
  nodeCount: number;
  initializerNames: Set<string>;
  inputs: OnnxTensorSpec[];
  outputs: OnnxTensorSpec[];
}

class Walker {
  constructor(private readonly reader: WindowReader) {}

  private text(field: Field): string {
    if (field.wireType !== LEN) throw notProtobuf(`field ${field.number} is not a string`);
    return this.reader.slice(field.start, field.end).toString('utf8');
  }

  private expectMessage(field: Field, depth: number): void {
    if (field.wireType !== LEN) throw notProtobuf(`field ${field.number} should be a message`);
    if (depth > MAX_MESSAGE_DEPTH) throw new InvalidOnnxError(`messages are nested more than ${MAX_MESSAGE_DEPTH} deep`);
  }

  /** ModelProto. */
  model(): { main: MainGraph; irVersion: number; opsetVersion: number; producerName: string } {
    const main: MainGraph = { hasGraph: false, nodeCount: 0, initializerNames: new Set(), inputs: [], outputs: [] };
    let irVersion = 0;
    let opsetVersion: number | undefined;
    let producerName = '';
    for (const f of fields(this.reader, 0, this.reader.size)) {
      switch (f.number) {
        case 1: // ir_version
          if (f.wireType !== VARINT) throw notProtobuf('ir_version is not a varint');
          irVersion = f.varint;
          break;
        case 2: // producer_name
          producerName = this.text(f);
          break;
        case 7: // graph
          this.expectMessage(f, 1);
          // Protobuf would merge two graph fields into one; no exporter writes that, so refuse it.
          if (main.hasGraph) throw new InvalidOnnxError('the model has more than one graph field');
          main.hasGraph = true;
          this.graph(f.start, f.end, ['graph'], 1, 1, main);
          break;
        case 8: {
          // opset_import: OperatorSetIdProto { domain = 1; version = 2 }
          this.expectMessage(f, 1);
          let domain = '';
          let version = 0;
          for (const g of fields(this.reader, f.start, f.end)) {
            if (g.number === 1) domain = this.text(g);
            else if (g.number === 2 && g.wireType === VARINT) version = g.varint;
          }
          if (domain === '' || domain === 'ai.onnx') opsetVersion = version;
          break;
        }
        case 20: // training_info: TrainingInfoProto { initialization = 1; algorithm = 2 }
          this.expectMessage(f, 1);
          for (const g of fields(this.reader, f.start, f.end)) {
            if (g.number === 1 || g.number === 2) {
              this.expectMessage(g, 2);
              this.graph(g.start, g.end, ['training_info'], 1, 2);
            }
          }
          break;
        case 25: // functions: FunctionProto { node = 7; attribute_proto = 11 }
          this.expectMessage(f, 1);
          this.functionProto(f.start, f.end, 1);
          break;
        default:
          break;
      }
    }
    if (irVersion <= 0 || irVersion > Number.MAX_SAFE_INTEGER) {
      throw new InvalidOnnxError('ir_version is missing; the file is probably not an ONNX model or was truncated');
    }
    if (opsetVersion === undefined) {
      throw new InvalidOnnxError('opset_import declares no version of the default ONNX operator set (ai.onnx)');
    }
    if (opsetVersion <= 0 || opsetVersion > Number.MAX_SAFE_INTEGER) {
      throw new InvalidOnnxError('opset_import gives no version for the default ONNX operator set');
    }
    return { main, irVersion, opsetVersion, producerName };
  }

  private functionProto(start: number, end: number, depth: number): void {
    let name = '';
    for (const f of fields(this.reader, start, end)) if (f.number === 1) name = this.text(f);
    const path = [`function '${name}'`];
    for (const f of fields(this.reader, start, end)) {
      if (f.number === 7) {
        this.expectMessage(f, depth + 1);
        this.node(f.start, f.end, path, 1, depth + 1);
      } else if (f.number === 11) {
        this.expectMessage(f, depth + 1);
        this.attribute(f.start, f.end, path, 1, depth + 1);
      }
    }
  }

  /** GraphProto; `main` collects the serving signature of the top-level graph. */
  private graph(start: number, end: number, parent: Path, graphDepth: number, depth: number, main?: MainGraph): void {
    if (graphDepth > MAX_GRAPH_DEPTH) throw new InvalidOnnxError(`graphs are nested more than ${MAX_GRAPH_DEPTH} deep`);
    let name = '';
    for (const f of fields(this.reader, start, end)) if (f.number === 2) name = this.text(f);
    const path = [...parent.slice(0, -1), `${parent[parent.length - 1] ?? 'graph'} '${name}'`];
    for (const f of fields(this.reader, start, end)) {
      switch (f.number) {
        case 1: // node
          this.expectMessage(f, depth + 1);
          if (main) main.nodeCount += 1;
          this.node(f.start, f.end, path, graphDepth, depth + 1);
          break;
        case 5: {
          // initializer
          this.expectMessage(f, depth + 1);
          const tensorName = this.tensor(f.start, f.end, [...path, 'initializer']);
          main?.initializerNames.add(tensorName);
          break;
        }
        case 15: // sparse_initializer
          this.expectMessage(f, depth + 1);
          this.sparseTensor(f.start, f.end, [...path, 'sparse initializer'], depth + 1);
          break;
        case 11: // input
          this.expectMessage(f, depth + 1);
          if (main) main.inputs.push(this.valueInfo(f.start, f.end, 'input', depth + 1));
          break;
        case 12: // output
          this.expectMessage(f, depth + 1);
          if (main) main.outputs.push(this.valueInfo(f.start, f.end, 'output', depth + 1));
          break;
        default:
          break;
      }
    }
  }

  /** NodeProto: only its attributes can hold tensors and graphs. */
  private node(start: number, end: number, graphPath: Path, graphDepth: number, depth: number): void {
    let name = '';
    let opType = '';
    for (const f of fields(this.reader, start, end)) {
      if (f.number === 3) name = this.text(f);
      else if (f.number === 4) opType = this.text(f);
    }
    const path = [...graphPath, `node '${name || opType}' (${opType})`];
    for (const f of fields(this.reader, start, end)) {
      if (f.number === 5) {
        this.expectMessage(f, depth + 1);
        this.attribute(f.start, f.end, path, graphDepth, depth + 1);
      }
    }
  }

  /** AttributeProto: t = 5, g = 6, tensors = 10, graphs = 11, sparse_tensor = 22, sparse_tensors = 23. */
  private attribute(start: number, end: number, nodePath: Path, graphDepth: number, depth: number): void {
    let name = '';
    for (const f of fields(this.reader, start, end)) if (f.number === 1) name = this.text(f);
    const path = [...nodePath, `attribute '${name}'`];
    for (const f of fields(this.reader, start, end)) {
      switch (f.number) {
        case 5:
        case 10:
          this.expectMessage(f, depth + 1);
          this.tensor(f.start, f.end, path);
          break;
        case 6:
        case 11:
          this.expectMessage(f, depth + 1);
          this.graph(f.start, f.end, [...path, 'graph'], graphDepth + 1, depth + 1);
          break;
        case 22:
        case 23:
          this.expectMessage(f, depth + 1);
          this.sparseTensor(f.start, f.end, path, depth + 1);
          break;
        default:
          break;
      }
    }
  }

  /** SparseTensorProto { values = 1; indices = 2 }: both are tensors. */
  private sparseTensor(start: number, end: number, path: Path, depth: number): void {
    for (const f of fields(this.reader, start, end)) {
      if (f.number === 1 || f.number === 2) {
        this.expectMessage(f, depth + 1);
        this.tensor(f.start, f.end, path);
      }
    }
  }

  /**
   * TensorProto: refuses external data (data_location = 14 EXTERNAL, or any
   * external_data = 13 entry), skipping the data fields unread. Returns the name.
   */
  private tensor(start: number, end: number, path: Path): string {
    let name = '';
    let external = false;
    let location: string | undefined;
    for (const f of fields(this.reader, start, end)) {
      if (f.number === 8) name = this.text(f);
      else if (f.number === 14 && f.wireType === VARINT && f.varint !== 0) external = true;
      else if (f.number === 13 && f.wireType === LEN) {
        external = true;
        // StringStringEntryProto { key = 1; value = 2 }
        let key = '';
        let value = '';
        for (const g of fields(this.reader, f.start, f.end)) {
          if (g.number === 1) key = this.text(g);
          else if (g.number === 2) value = this.text(g);
        }
        if (key === 'location') location = value;
      }
    }
    if (external) {
      const where = location === undefined ? '' : ` (location ${JSON.stringify(location.slice(0, 200))})`;
      throw new InvalidOnnxError(
        `tensor '${name}' in ${describe(path)} stores its data outside the model file${where}; ` +
          'external data is refused: save the model with all tensors inside one .onnx file',
      );
    }
    return name;
  }

  /** ValueInfoProto { name = 1; type = 2 } of a graph input or output. */
  private valueInfo(start: number, end: number, role: 'input' | 'output', depth: number): OnnxTensorSpec {
    let name = '';
    let type: Field | undefined;
    for (const f of fields(this.reader, start, end)) {
      if (f.number === 1) name = this.text(f);
      else if (f.number === 2) type = f;
    }
    if (name === '') throw new InvalidOnnxError(`a graph ${role} has no name`);
    // TypeProto { tensor_type = 1; ... }; TypeProto.Tensor { elem_type = 1; shape = 2 }
    let tensorType: Field | undefined;
    if (type) {
      this.expectMessage(type, depth + 1);
      for (const f of fields(this.reader, type.start, type.end)) if (f.number === 1) tensorType = f;
    }
    if (tensorType === undefined) {
      throw new InvalidOnnxError(
        `${role} '${name}' is not a dense tensor (sequence, map, optional and sparse values cannot be served)`,
      );
    }
    this.expectMessage(tensorType, depth + 2);
    let elemType = 0;
    let shapeField: Field | undefined;
    for (const f of fields(this.reader, tensorType.start, tensorType.end)) {
      if (f.number === 1 && f.wireType === VARINT) elemType = f.varint;
      else if (f.number === 2) shapeField = f;
    }
    let datatype: OipDatatype;
    try {
      datatype = onnxElemTypeToOip(elemType);
    } catch (err: unknown) {
      throw new InvalidOnnxError(
        `${role} '${name}' has element type ${onnxElemTypeName(elemType)}, which the Open Inference Protocol cannot carry`,
        { cause: err },
      );
    }
    if (shapeField === undefined) {
      throw new InvalidOnnxError(
        `${role} '${name}' declares no shape; re-export the model with shapes (or run ONNX shape inference)`,
      );
    }
    this.expectMessage(shapeField, depth + 3);
    const shape: number[] = [];
    const dimNames: string[] = [];
    // TensorShapeProto { dim = 1 }; Dimension { dim_value = 1; dim_param = 2 } (a oneof).
    for (const d of fields(this.reader, shapeField.start, shapeField.end)) {
      if (d.number !== 1) continue;
      this.expectMessage(d, depth + 4);
      let size = -1;
      let param = '';
      for (const f of fields(this.reader, d.start, d.end)) {
        if (f.number === 1 && f.wireType === VARINT) size = f.varint;
        else if (f.number === 2) param = this.text(f);
      }
      if (size > MAX_SIGNATURE_DIM) {
        // int64 negatives arrive as values >= 2^63.
        const shown = size >= 2 ** 63 ? 'negative' : String(size);
        throw new InvalidOnnxError(
          `${role} '${name}' dimension ${shape.length} is ${shown}; a fixed dimension must be between 0 and ${MAX_SIGNATURE_DIM}`,
        );
      }
      shape.push(size);
      dimNames.push(size >= 0 ? '' : param);
    }
    return { name, datatype, shape, dimNames };
  }
}

/**
 * The serving signature of the ONNX model in the file at `path`, read
 * without loading the file; refuses external data anywhere in the model.
 *
 * @throws InvalidOnnxError for what `readOnnxSignature` refuses, plus external
 *   data (naming the tensor and where it sits) and absurd signature dimensions.
 */
export function inspectOnnxFile(path: string): OnnxSignature {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) throw new InvalidOnnxError('the artifact is empty (0 bytes)');
    const { main, irVersion, opsetVersion, producerName } = new Walker(new WindowReader(fd, size)).model();
    if (!main.hasGraph) throw new InvalidOnnxError('the model has no graph');
    if (main.nodeCount === 0) throw new InvalidOnnxError('the graph has no nodes');
    if (main.outputs.length === 0) throw new InvalidOnnxError('the graph declares no outputs');
    return {
      inputs: main.inputs.filter((input) => !main.initializerNames.has(input.name)),
      outputs: main.outputs,
      irVersion,
      opsetVersion,
      producerName,
    };
  } finally {
    closeSync(fd);
  }
}
