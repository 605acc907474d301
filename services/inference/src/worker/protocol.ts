/** Messages between the inference main thread and its ORT worker threads. */

/** ORT tensor element type names (onnxruntime-common `Tensor.Type`). */
export type OrtType = 'float32' | 'float16' | 'float64' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'bool' | 'string';

export interface WireTensor {
  type: OrtType;
  dims: number[];
  /** Raw little-endian element bytes (or, for 'string', UTF-8 strings). */
  data: ArrayBuffer | string[];
}

export interface WorkerInit {
  modelPath: string;
  intraOpNumThreads: number;
}

export type ToWorker = { kind: 'run'; id: number; feeds: Record<string, WireTensor>; outputNames: string[] };

export type FromWorker =
  | { kind: 'ready' }
  | { kind: 'load-error'; message: string }
  | { kind: 'result'; id: number; outputs: Record<string, WireTensor>; computeUs: number }
  | { kind: 'run-error'; id: number; message: string };
