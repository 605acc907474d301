import type { DataType, KernelBackend, TensorInfo, TypedArray } from '@tensorflow/tfjs';

/**
 * The slice of the wasm backend our TypeScript kernels use. Declared here
 * rather than imported so this module does not load the wasm backend (and
 * does not depend on its non-public `BackendWasm` class shape beyond these two
 * methods, which its own kernels call).
 */
export interface WasmHeapBackend extends KernelBackend {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): TypedArray;
}

/** Narrows a kernel's backend to the wasm heap API, or says which backend it got. */
export function asWasmHeapBackend(backend: unknown, kernelName: string): WasmHeapBackend {
  const candidate = (backend ?? {}) as Partial<WasmHeapBackend>;
  if (typeof candidate.makeOutput !== 'function' || typeof candidate.typedArrayFromHeap !== 'function') {
    throw new Error(`${kernelName}: this kernel runs on the wasm backend only`);
  }
  return candidate as WasmHeapBackend;
}

/**
 * Allocates the output first, then takes views of the inputs and the output:
 * an allocation may grow the wasm memory, which detaches every view taken
 * before it, so no view may outlive the allocation.
 */
export function withHeapViews<T extends readonly TensorInfo[]>(
  backend: WasmHeapBackend,
  output: { shape: number[]; dtype: DataType },
  inputs: T,
  compute: (out: TypedArray, ...views: { [K in keyof T]: TypedArray }) => void,
): TensorInfo {
  const out = backend.makeOutput(output.shape, output.dtype);
  const views = inputs.map((t) => backend.typedArrayFromHeap(t)) as { [K in keyof T]: TypedArray };
  compute(backend.typedArrayFromHeap(out), ...views);
  return out;
}
