/**
 * How tensors travel to and from a model runner: ORT element type names and
 * raw little-endian bytes in a transferable ArrayBuffer. The domain owns this
 * shape; the worker protocol and the ORT adapter speak it.
 */

/** ORT tensor element type names (onnxruntime-common `Tensor.Type`). */
export type OrtType = 'float32' | 'float16' | 'float64' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'bool' | 'string';

export interface WireTensor {
  type: OrtType;
  dims: number[];
  /** Raw little-endian element bytes (or, for 'string', UTF-8 strings). */
  data: ArrayBuffer | string[];
}
