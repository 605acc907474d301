import {
  ElemType,
  float32ArrayToFloat16Bits,
  float32LeBytes,
  int64LeBytes,
  intAttribute,
  node,
  quantizeSymmetricInt8,
  rawInitializer,
  uint16LeBytes,
} from '@l1g1/onnx';
import type { onnx } from 'onnx-proto';

/** How an exported model stores its weights; inputs and outputs stay FP32 (or INT64 ids) in all three. */
export type ExportPrecision = 'fp32' | 'fp16' | 'int8';

/**
 * Largest magnitude of an int8 weight that is only dequantized (never fed to MatMulInteger): the
 * full symmetric int8 range. The Dense path uses `INT8_WEIGHT_LIMIT` (64) instead, see
 * `quantizeSymmetricInt8`.
 */
const FULL_INT8_LIMIT = 127;

/**
 * Collects the nodes and initializers of one graph and writes weights at the chosen precision.
 * Every emitter goes through it, so precision is decided in one place:
 * - fp32: float initializers;
 * - fp16: float16 initializers Cast to float (folded once when the session loads: half the
 *   artifact, fp32 arithmetic, which is all ORT's CPU provider has anyway);
 * - int8: Dense kernels feed ORT's dynamic quantisation (DynamicQuantizeLinear + MatMulInteger,
 *   fused by ORT into DynamicQuantizeMatMul); embedding tables are quantized per row and
 *   dequantized after the Gather; Conv and GRU weights are stored int8 per output channel and
 *   dequantized in the graph (a quarter of the bytes; ORT folds the DequantizeLinear at load, so
 *   they compute in fp32). Biases stay fp32: they are tiny and quantizing them buys nothing.
 */
export class GraphBuilder {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  private readonly used = new Set<string>();

  constructor(readonly precision: ExportPrecision) {}

  /** A fresh tensor name derived from `base` (names must be unique within the graph). */
  name(base: string): string {
    let candidate = base;
    for (let n = 1; this.used.has(candidate); n++) candidate = `${base}_${n}`;
    this.used.add(candidate);
    return candidate;
  }

  /** Reserves a name chosen by the caller (graph input and output). */
  reserve(name: string): void {
    if (this.used.has(name)) throw new RangeError(`tensor name '${name}' is used twice`);
    this.used.add(name);
  }

  /** Appends a node whose single output is `output` (or a fresh name from `opType`); returns it. */
  op(opType: string, inputs: readonly string[], attributes: readonly onnx.IAttributeProto[] = [], output?: string): string {
    const out = output ?? this.name(opType.toLowerCase());
    this.nodes.push(node(opType, this.name(`${out}.node`), inputs, [out], attributes));
    return out;
  }

  /** Appends a node with several outputs, all named fresh from `bases`. */
  opMulti(opType: string, inputs: readonly string[], bases: readonly string[], attributes: readonly onnx.IAttributeProto[] = []): string[] {
    const outs = bases.map((b) => this.name(b));
    this.nodes.push(node(opType, this.name(`${opType.toLowerCase()}.node`), inputs, outs, attributes));
    return outs;
  }

  /** An INT64 constant (shapes, axes). */
  int64(base: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
    const name = this.name(base);
    this.initializers.push(rawInitializer(name, ElemType.INT64, dims, int64LeBytes(values)));
    return name;
  }

  /** A float constant that is not a weight (kept fp32 at every precision: it is a few bytes). */
  float(base: string, values: readonly number[] | Float32Array, dims: readonly number[]): string {
    const name = this.name(base);
    this.initializers.push(rawInitializer(name, ElemType.FLOAT, dims, float32LeBytes(values)));
    return name;
  }

  /** A bias: fp32, or fp16 + Cast in the fp16 variant. */
  bias(base: string, values: Float32Array, dims: readonly number[]): string {
    return this.precision === 'fp16' ? this.float16(base, values, dims) : this.float(base, values, dims);
  }

  /**
   * A weight whose float value the graph needs (Conv, GRU): fp32; fp16 + Cast; or int8 per
   * `axis` slice (the output channel) + DequantizeLinear.
   */
  weight(base: string, values: Float32Array, dims: readonly number[], axis = 0): string {
    switch (this.precision) {
      case 'fp32':
        return this.float(base, values, dims);
      case 'fp16':
        return this.float16(base, values, dims);
      case 'int8':
        return this.dequantizedInt8(base, values, dims, axis);
    }
  }

  /** `input · kernel` (kernel `[inSize, outSize]`), with the int8 variant's dynamic quantisation. */
  matmul(base: string, input: string, kernel: Float32Array, inSize: number, outSize: number): string {
    const dims = [inSize, outSize];
    if (this.precision !== 'int8') return this.op('MatMul', [input, this.weight(`${base}.kernel`, kernel, dims)]);
    const quantized = quantizeSymmetricInt8(kernel);
    const weightQ = this.name(`${base}.kernel_quantized`);
    this.initializers.push(rawInitializer(weightQ, ElemType.INT8, dims, new Uint8Array(quantized.values.buffer)));
    const weightScale = this.float(`${base}.kernel_scale`, [quantized.scale], []);
    const weightZero = this.name(`${base}.kernel_zero_point`);
    this.initializers.push(rawInitializer(weightZero, ElemType.INT8, [], new Uint8Array(1)));
    const [inputQ, inputScale, inputZero] = this.opMulti('DynamicQuantizeLinear', [input], [
      `${base}.input_quantized`,
      `${base}.input_scale`,
      `${base}.input_zero_point`,
    ]) as [string, string, string];
    const product = this.op('MatMulInteger', [inputQ, weightQ, inputZero, weightZero]);
    const asFloat = this.op('Cast', [product], [intAttribute('to', ElemType.FLOAT)]);
    const scale = this.op('Mul', [inputScale, weightScale]);
    return this.op('Mul', [asFloat, scale]);
  }

  /**
   * `table[ids]` (table `[rows, dim]`, ids of any shape → `[...ids, dim]`). In the int8 variant
   * the table is quantized per row (one scale per row: rows of hashed n-grams differ a lot in
   * magnitude) and the picked rows are dequantized after the Gather.
   */
  gather(base: string, table: Float32Array, rows: number, dim: number, ids: string): string {
    if (this.precision !== 'int8') return this.op('Gather', [this.weight(`${base}.table`, table, [rows, dim]), ids]);
    const values = new Int8Array(rows * dim);
    const scales = new Float32Array(rows);
    for (let r = 0; r < rows; r++) {
      let maxAbs = 0;
      for (let c = 0; c < dim; c++) maxAbs = Math.max(maxAbs, Math.abs(table[r * dim + c] ?? 0));
      const scale = Math.fround(maxAbs === 0 ? 1 : maxAbs / FULL_INT8_LIMIT);
      scales[r] = scale;
      for (let c = 0; c < dim; c++) values[r * dim + c] = Math.round((table[r * dim + c] ?? 0) / scale);
    }
    const tableQ = this.name(`${base}.table_quantized`);
    this.initializers.push(rawInitializer(tableQ, ElemType.INT8, [rows, dim], new Uint8Array(values.buffer)));
    const scaleTable = this.float(`${base}.table_scale`, scales, [rows, 1]);
    const pickedQ = this.op('Gather', [tableQ, ids]);
    const picked = this.op('Cast', [pickedQ], [intAttribute('to', ElemType.FLOAT)]);
    const pickedScale = this.op('Gather', [scaleTable, ids]);
    return this.op('Mul', [picked, pickedScale]);
  }

  private float16(base: string, values: Float32Array | readonly number[], dims: readonly number[]): string {
    const half = this.name(`${base}_fp16`);
    const bits = float32ArrayToFloat16Bits(Float32Array.from(values));
    this.initializers.push(rawInitializer(half, ElemType.FLOAT16, dims, uint16LeBytes(bits)));
    return this.op('Cast', [half], [intAttribute('to', ElemType.FLOAT)], this.name(base));
  }

  /** Symmetric int8 per slice along `axis` (0 or the last), dequantized by DequantizeLinear. */
  private dequantizedInt8(base: string, values: Float32Array, dims: readonly number[], axis: number): string {
    const channels = dims[axis] ?? 1;
    const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
    const scales = new Float32Array(channels).fill(0);
    const channelOf = (i: number): number => Math.floor(i / inner) % channels;
    values.forEach((v, i) => {
      const c = channelOf(i);
      scales[c] = Math.max(scales[c] ?? 0, Math.abs(v));
    });
    scales.forEach((m, c) => (scales[c] = Math.fround(m === 0 ? 1 : m / FULL_INT8_LIMIT)));
    const quantized = new Int8Array(values.length);
    values.forEach((v, i) => (quantized[i] = Math.round(v / (scales[channelOf(i)] ?? 1))));
    const q = this.name(`${base}_quantized`);
    this.initializers.push(rawInitializer(q, ElemType.INT8, dims, new Uint8Array(quantized.buffer)));
    const scale = this.float(`${base}_scale`, scales, [channels]);
    const zeroPoint = this.name(`${base}_zero_point`);
    this.initializers.push(rawInitializer(zeroPoint, ElemType.INT8, [channels], new Uint8Array(channels)));
    return this.op('DequantizeLinear', [q, scale, zeroPoint], [intAttribute('axis', axis)], this.name(base));
  }
}
