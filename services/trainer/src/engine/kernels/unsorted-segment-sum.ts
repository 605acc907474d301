import {
  UnsortedSegmentSum,
  util,
  type KernelConfig,
  type KernelFunc,
  type TypedArray,
  type UnsortedSegmentSumAttrs,
} from '@tensorflow/tfjs';
import { asWasmHeapBackend, withHeapViews } from './wasm-heap';

/**
 * out[s, …] = Σ over i with ids[i] = s of x[i, …]. Ids outside [0, numSegments) are dropped, as in
 * TensorFlow. Sums are kept in float64 and rounded once. This is the gradient of `tf.gather`
 * (embedding lookups), so it must cost O(x.size), not O(numSegments · x.size) like the cpu
 * backend's mask-and-sum formulation.
 */
export function unsortedSegmentSumValues(
  x: TypedArray,
  ids: TypedArray,
  numSegments: number,
  innerSize: number,
): Float64Array {
  const acc = new Float64Array(numSegments * innerSize);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i] as number;
    if (s < 0 || s >= numSegments) continue;
    const src = i * innerSize;
    const dst = s * innerSize;
    for (let j = 0; j < innerSize; j++) acc[dst + j]! += x[src + j] as number;
  }
  return acc;
}

const unsortedSegmentSumWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = asWasmHeapBackend(backend, UnsortedSegmentSum);
  const { x, segmentIds } = inputs;
  if (x === undefined || segmentIds === undefined) {
    throw new Error(`${UnsortedSegmentSum}: inputs x and segmentIds are required`);
  }
  // attrs arrive as the engine's NamedAttrMap; the op that calls this kernel passes exactly this.
  const { numSegments } = attrs as unknown as UnsortedSegmentSumAttrs;
  const idsRank = segmentIds.shape.length;
  if (!util.arraysEqual(x.shape.slice(0, idsRank), segmentIds.shape)) {
    throw new Error(`${UnsortedSegmentSum}: segmentIds shape ${segmentIds.shape} is not a prefix of x shape ${x.shape}`);
  }
  const innerShape = x.shape.slice(idsRank);
  const innerSize = util.sizeFromShape(innerShape);
  const outShape = [numSegments, ...innerShape];
  return withHeapViews(wasm, { shape: outShape, dtype: x.dtype }, [x, segmentIds] as const, (out, xv, idv) => {
    const sums = unsortedSegmentSumValues(xv, idv, numSegments, innerSize);
    // int32 sums are exact in float64; the typed array truncates floats only when x is float32
    out.set(sums);
  });
};

/** `UnsortedSegmentSum` for the wasm backend, which ships without it (tfjs-backend-wasm 4.22). */
export const unsortedSegmentSumWasmConfig: KernelConfig = {
  kernelName: UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSumWasm,
};
