import type { KernelConfig } from '@tensorflow/tfjs';
import { conv2DBackpropFilterWasmConfig } from './conv2d-backprop-filter';
import { unsortedSegmentSumWasmConfig } from './unsorted-segment-sum';

export { conv2DBackpropFilterValues, conv2DBackpropFilterWasmConfig } from './conv2d-backprop-filter';
export { unsortedSegmentSumInto, unsortedSegmentSumValues, unsortedSegmentSumWasmConfig } from './unsorted-segment-sum';

/** Our kernels for the wasm backend, which tfjs-backend-wasm 4.22 lacks (training conv and embedding layers needs them). */
export const WASM_KERNELS: readonly KernelConfig[] = [conv2DBackpropFilterWasmConfig, unsortedSegmentSumWasmConfig];

/** The slice of tfjs' kernel registry that registration needs (passed in, so tests can watch it). */
export interface KernelRegistry {
  getKernel(kernelName: string, backendName: string): KernelConfig | undefined;
  registerKernel(config: KernelConfig): void;
}

/**
 * Registers each of our wasm kernels that the installed backend does not already provide, and
 * returns the names of ours that are in place. Idempotent: a second call registers nothing new
 * and returns the same names (tfjs throws on a duplicate registration). A later tfjs-backend-wasm
 * that ships its own kernel keeps it, and the name is not reported as ours.
 */
export function registerWasmKernels(registry: KernelRegistry, kernels: readonly KernelConfig[] = WASM_KERNELS): string[] {
  const ours: string[] = [];
  for (const config of kernels) {
    const existing = registry.getKernel(config.kernelName, config.backendName);
    if (existing === undefined) registry.registerKernel(config);
    else if (existing.kernelFunc !== config.kernelFunc) continue;
    ours.push(config.kernelName);
  }
  return ours;
}
