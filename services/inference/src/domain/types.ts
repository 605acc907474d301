import type { OipDatatype } from '@l1g1/kit';

/** A tensor inside the inference service: validated, raw little-endian bytes. */
export interface RawTensor {
  name: string;
  datatype: OipDatatype;
  shape: number[];
  data: Buffer;
}

export interface Timing {
  queueUs: number;
  computeUs: number;
  batchSize: number;
}

export interface InferResult {
  outputs: RawTensor[];
  timing: Timing;
}

export interface TensorSpec {
  name: string;
  datatype: OipDatatype;
  /** -1 marks a dynamic dimension. */
  shape: number[];
}

export interface Signature {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}
