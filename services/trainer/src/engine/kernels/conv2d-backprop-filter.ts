import {
  backend_util,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type KernelConfig,
  type KernelFunc,
  type TypedArray,
} from '@tensorflow/tfjs';
import { asWasmHeapBackend, withHeapViews } from './wasm-heap';

type Shape4 = [number, number, number, number];

/** Element strides of a rank-4 tensor as (batch, row, column, channel), for either data layout. */
function strides4(shape: Shape4, channelsLast: boolean): Shape4 {
  const [, d1, d2, d3] = shape;
  if (channelsLast) return [d1 * d2 * d3, d2 * d3, d3, 1]; // NHWC
  return [d1 * d2 * d3, d3, 1, d2 * d3]; // NCHW: shape is (N, C, H, W)
}

/**
 * The filter gradient of a 2-D convolution, dW[r, c, i, o] = Σ x[b, y·s + r − pad, …, i] · dy[b, y, …, o].
 * Loops are ordered so that the innermost one walks `dy`'s channels and `dW`'s last axis
 * contiguously (an outer product per input pixel); sums are kept in float64 and rounded once,
 * like the cpu backend, so both agree to float32 rounding.
 */
export function conv2DBackpropFilterValues(
  x: TypedArray,
  dy: TypedArray,
  info: backend_util.Conv2DInfo,
): Float32Array {
  const channelsLast = info.dataFormat === 'channelsLast';
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { strideHeight, strideWidth, filterHeight, filterWidth, dilationHeight, dilationWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const xShape: Shape4 = channelsLast
    ? [batchSize, inHeight, inWidth, inChannels]
    : [batchSize, inChannels, inHeight, inWidth];
  const dyShape: Shape4 = channelsLast
    ? [batchSize, outHeight, outWidth, outChannels]
    : [batchSize, outChannels, outHeight, outWidth];
  const [xsB, xsR, xsC, xsD] = strides4(xShape, channelsLast);
  const [dsB, dsR, dsC, dsD] = strides4(dyShape, channelsLast);
  const acc = new Float64Array(filterHeight * filterWidth * inChannels * outChannels);
  for (let b = 0; b < batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      for (let yC = 0; yC < outWidth; yC++) {
        const dyBase = b * dsB + yR * dsR + yC * dsC;
        for (let wR = 0; wR < filterHeight; wR++) {
          const xR = yR * strideHeight + wR * dilationHeight - top;
          if (xR < 0 || xR >= inHeight) continue;
          for (let wC = 0; wC < filterWidth; wC++) {
            const xC = yC * strideWidth + wC * dilationWidth - left;
            if (xC < 0 || xC >= inWidth) continue;
            const xBase = b * xsB + xR * xsR + xC * xsC;
            const accBase = (wR * filterWidth + wC) * inChannels * outChannels;
            for (let d1 = 0; d1 < inChannels; d1++) {
              const xv = x[xBase + d1 * xsD] as number;
              if (xv === 0) continue; // ReLU activations are often zero: skip the whole row
              const row = accBase + d1 * outChannels;
              for (let d2 = 0; d2 < outChannels; d2++) {
                acc[row + d2]! += xv * (dy[dyBase + d2 * dsD] as number);
              }
            }
          }
        }
      }
    }
  }
  return Float32Array.from(acc);
}

const conv2DBackpropFilterWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const wasm = asWasmHeapBackend(backend, Conv2DBackpropFilter);
  const { x, dy } = inputs;
  if (x === undefined || dy === undefined) throw new Error(`${Conv2DBackpropFilter}: inputs x and dy are required`);
  // attrs arrive as the engine's NamedAttrMap; the op that calls this kernel passes exactly these.
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
  const format = backend_util.convertConv2DDataFormat(dataFormat);
  const info = backend_util.computeConv2DInfo(
    x.shape as Shape4,
    filterShape,
    strides,
    1, // tfjs' Conv2DBackpropFilter has no dilation attribute: the forward op refuses dilated strides
    pad,
    dimRoundingMode,
    false,
    format,
  );
  return withHeapViews(wasm, { shape: info.filterShape, dtype: 'float32' }, [x, dy] as const, (out, xv, dyv) => {
    out.set(conv2DBackpropFilterValues(xv, dyv, info));
  });
};

/** `Conv2DBackpropFilter` for the wasm backend, which ships without it (tfjs-backend-wasm 4.22). */
export const conv2DBackpropFilterWasmConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilterWasm,
};
