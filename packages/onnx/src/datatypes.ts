import { onnx } from 'onnx-proto';

/** A tensor datatype of the Open Inference Protocol (KServe v2). */
export type OipDatatype =
  | 'BOOL'
  | 'UINT8'
  | 'UINT16'
  | 'UINT32'
  | 'UINT64'
  | 'INT8'
  | 'INT16'
  | 'INT32'
  | 'INT64'
  | 'FP16'
  | 'FP32'
  | 'FP64'
  | 'BYTES'
  | 'BF16';

const ElemType = onnx.TensorProto.DataType;

/** ONNX `TensorProto.DataType` -> OIP datatype, for every ONNX type OIP can carry. */
const ONNX_TO_OIP: ReadonlyMap<number, OipDatatype> = new Map<number, OipDatatype>([
  [ElemType.FLOAT, 'FP32'],
  [ElemType.UINT8, 'UINT8'],
  [ElemType.INT8, 'INT8'],
  [ElemType.UINT16, 'UINT16'],
  [ElemType.INT16, 'INT16'],
  [ElemType.INT32, 'INT32'],
  [ElemType.INT64, 'INT64'],
  [ElemType.STRING, 'BYTES'],
  [ElemType.BOOL, 'BOOL'],
  [ElemType.FLOAT16, 'FP16'],
  [ElemType.DOUBLE, 'FP64'],
  [ElemType.UINT32, 'UINT32'],
  [ElemType.UINT64, 'UINT64'],
  [ElemType.BFLOAT16, 'BF16'],
]);

const OIP_TO_ONNX: ReadonlyMap<OipDatatype, number> = new Map(
  [...ONNX_TO_OIP].map(([elemType, datatype]) => [datatype, elemType] as const),
);

/**
 * Names of ONNX element types, including those newer than the bundled `onnx-proto` schema
 * (ONNX 1.10), so that errors can name a type instead of printing a bare number.
 */
const ONNX_ELEM_TYPE_NAMES: readonly string[] = [
  'UNDEFINED', 'FLOAT', 'UINT8', 'INT8', 'UINT16', 'INT16', 'INT32', 'INT64', 'STRING', 'BOOL',
  'FLOAT16', 'DOUBLE', 'UINT32', 'UINT64', 'COMPLEX64', 'COMPLEX128', 'BFLOAT16',
  'FLOAT8E4M3FN', 'FLOAT8E4M3FNUZ', 'FLOAT8E5M2', 'FLOAT8E5M2FNUZ', 'UINT4', 'INT4',
  'FLOAT4E2M1',
];

/** The ONNX name of an element type number, e.g. `COMPLEX64 (14)`; used in error messages. */
export function onnxElemTypeName(elemType: number): string {
  const name = ONNX_ELEM_TYPE_NAMES[elemType];
  return name === undefined ? `unknown element type ${elemType}` : `${name} (${elemType})`;
}

/**
 * Size in bytes of one element of `dt`; `0` for `BYTES`, whose elements have variable length.
 */
export function bytesPerElement(dt: OipDatatype): number {
  switch (dt) {
    case 'BOOL':
    case 'UINT8':
    case 'INT8':
      return 1;
    case 'UINT16':
    case 'INT16':
    case 'FP16':
    case 'BF16':
      return 2;
    case 'UINT32':
    case 'INT32':
    case 'FP32':
      return 4;
    case 'UINT64':
    case 'INT64':
    case 'FP64':
      return 8;
    case 'BYTES':
      return 0;
  }
}

/**
 * Maps an ONNX `TensorProto.DataType` number to the OIP datatype that carries it
 * (`STRING` -> `BYTES`, `FLOAT` -> `FP32`, ...).
 *
 * @throws RangeError for types OIP has no datatype for (complex, float8, int4, ...), naming the type.
 */
export function onnxElemTypeToOip(elemType: number): OipDatatype {
  const datatype = ONNX_TO_OIP.get(elemType);
  if (datatype === undefined) {
    throw new RangeError(
      `ONNX element type ${onnxElemTypeName(elemType)} has no Open Inference Protocol datatype`,
    );
  }
  return datatype;
}

/** Maps an OIP datatype to its ONNX `TensorProto.DataType` number (`BYTES` -> `STRING`). */
export function oipToOnnxElemType(dt: OipDatatype): number {
  const elemType = OIP_TO_ONNX.get(dt);
  if (elemType === undefined) {
    // Unreachable for well-typed callers; guards values that bypassed the type system.
    throw new RangeError(`unknown Open Inference Protocol datatype ${String(dt)}`);
  }
  return elemType;
}
