import type { Dim } from '@l1g1/onnx';

/**
 * The value flowing from one layer to the next while a graph is emitted: its tensor name, its
 * shape as TensorFlow.js sees it (channels last; `'batch'` or another name for dynamic sizes)
 * and, for 4-D values, whether the ONNX tensor is still NHWC or already NCHW. Tracking the
 * layout lets consecutive Conv/MaxPool layers stay NCHW and transposes happen only at the edges
 * (after the input, before Flatten).
 */
export interface EmitState {
  tensor: string;
  shape: Dim[];
  layout: 'nhwc' | 'nchw' | 'plain';
  /** Where the value comes from, for error messages (`layers[3]`). */
  path: string;
  /** INT32 `[batch]` real lengths of right-padded sequences (a padded embedding's), read by GRUs. */
  sequenceLengths?: string;
}

/** Checks that a weight array has `dims`' element count; the error names the field. */
export function expectLength(field: string, values: ArrayLike<number> | undefined, dims: readonly number[]): void {
  const want = dims.reduce((a, b) => a * b, 1);
  if (values === undefined || values.length !== want) {
    throw new RangeError(
      `${field} has ${values === undefined ? 'no' : values.length} values, expected ${want} ([${dims.join(', ')}])`,
    );
  }
}

/** Checks that a size is a positive integer; the error names the field. */
export function expectPositive(field: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${field} must be a positive integer, got ${String(value)}`);
}

/** The last dimension of `state` as a fixed size, or an error naming the layer. */
export function lastDim(state: EmitState, field: string): number {
  const last = state.shape[state.shape.length - 1];
  if (typeof last !== 'number') throw new RangeError(`${field}: the last dimension of its input must be fixed, got '${String(last)}'`);
  return last;
}
