/** The request payload every target sends: one FP32 tensor, row-major. */
export interface Fp32Input {
  /** Name of the model's input tensor. */
  name: string;
  /** Concrete shape (no -1); the first dimension is the rows. */
  shape: number[];
  values: Float32Array;
}

/** Uniform random values in [-1, 1): what a load test sends does not matter to an MLP's cost. */
export function randomFp32Input(name: string, shape: readonly number[]): Fp32Input {
  if (shape.some((d) => !Number.isInteger(d) || d < 1)) throw new RangeError(`shape must be positive integers, got [${shape.join(', ')}]`);
  const values = new Float32Array(shape.reduce((n, d) => n * d, 1));
  for (let i = 0; i < values.length; i++) values[i] = Math.random() * 2 - 1;
  return { name, shape: [...shape], values };
}

/** A model signature shape made concrete: each -1 (dynamic) becomes `rows` for the first dim, 1 elsewhere. */
export function concreteShape(shape: readonly number[], rows: number): number[] {
  return shape.map((d, i) => (d >= 0 ? d : i === 0 ? rows : 1));
}

/** The values as little-endian bytes (a view, no copy: every supported host is little-endian). */
export function rawBytes(input: Fp32Input): Buffer {
  return Buffer.from(input.values.buffer, input.values.byteOffset, input.values.byteLength);
}

/** Rows carried by one request. */
export function rowsOf(input: Fp32Input): number {
  return input.shape[0] ?? 1;
}
