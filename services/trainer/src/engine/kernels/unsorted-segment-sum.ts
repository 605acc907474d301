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

/**
 * The same sums as {@link unsortedSegmentSumValues}, written straight into `out` (every element
 * set, untouched segments to 0). Only the segments the ids name get a float64 accumulator, so an
 * embedding gradient over a large table costs O(x.size + numSegments) with a small float64
 * scratch, instead of allocating and converting a float64 copy of the whole table; each segment's
 * terms are added in the same order, so the result is bit-identical.
 */
export function unsortedSegmentSumInto(
  out: TypedArray,
  x: TypedArray,
  ids: TypedArray,
  numSegments: number,
  innerSize: number,
): void {
  const slotOf = new Int32Array(numSegments).fill(-1);
  let slots = 0;
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i] as number;
    if (s < 0 || s >= numSegments || slotOf[s] !== -1) continue;
    slotOf[s] = slots++;
  }
  const acc = new Float64Array(slots * innerSize);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i] as number;
    if (s < 0 || s >= numSegments) continue;
    const src = i * innerSize;
    const dst = (slotOf[s] as number) * innerSize;
    for (let j = 0; j < innerSize; j++) acc[dst + j]! += x[src + j] as number;
  }
  // the wasm heap hands out recycled memory: every element of `out` must be written
  out.fill(0);
  for (let s = 0; s < numSegments; s++) {
    const slot = slotOf[s] as number;
    if (slot === -1) continue;
    // int32 sums are exact in float64; the typed array truncates floats only when x is float32
    out.set(acc.subarray(slot * innerSize, (slot + 1) * innerSize), s * innerSize);
  }
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
    unsortedSegmentSumInto(out, xv, idv, numSegments, innerSize);
  });
};

/** `UnsortedSegmentSum` for the wasm backend, which ships without it (tfjs-backend-wasm 4.22). */
export const unsortedSegmentSumWasmConfig: KernelConfig = {
  kernelName: UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSumWasm,
};
