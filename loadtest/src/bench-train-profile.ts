/**
 * Where one training step's time goes, for `bench:train`: the featurizer (examples → tensors),
 * forward + backward (tf.variableGrads), the optimizer (AdamW.applyGradients), and within the
 * forward/backward/optimizer phases the time tfjs' profiler attributes to each kernel; what the
 * kernels do not account for is framework overhead (op dispatch, tape, tensor bookkeeping in JS).
 */
import * as tf from '@tensorflow/tfjs';
import type { AdamW } from '@l1g1/trainer';
import type { BenchModel } from './bench-train-models';

export interface StepProfile {
  featurize_ms: number;
  forward_backward_ms: number;
  optimizer_ms: number;
  /** Kernel time summed over forward, backward and optimizer (tfjs' profiler, per kernel call). */
  kernel_ms: number;
  /** The heaviest kernels: name, calls, total ms. */
  top_kernels: Array<{ kernel: string; calls: number; ms: number }>;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** Profiles `repeats` steps on the active backend (the caller warmed the model up) and averages them. */
export async function profileStep(model: BenchModel<unknown>, optimizer: AdamW, repeats: number): Promise<StepProfile> {
  let featurizeMs = 0;
  let fbMs = 0;
  let optMs = 0;
  const perKernel = new Map<string, { calls: number; ms: number }>();
  const batch = model.examples.slice(0, model.batch);
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    const tensors = model.featurize(batch);
    const t1 = performance.now();
    // the timings without the profiler (it adds per-kernel bookkeeping of its own)
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => model.lossOf(tensors), Object.values(model.weights));
      value.dataSync();
      const t2 = performance.now();
      optimizer.applyGradients(grads);
      // wasm and cpu run kernels synchronously; reading one weight makes sure the update ran
      Object.values(model.weights)[0]?.dataSync();
      const t3 = performance.now();
      fbMs += t2 - t1;
      optMs += t3 - t2;
    });
    featurizeMs += t1 - t0;
    // and the same step again under the profiler, for the kernel split
    const info = await tf.profile(() => {
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => model.lossOf(tensors), Object.values(model.weights));
        optimizer.applyGradients(grads);
      });
    });
    for (const k of info.kernels) {
      const entry = perKernel.get(k.name) ?? { calls: 0, ms: 0 };
      entry.calls += 1;
      entry.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      perKernel.set(k.name, entry);
    }
    tf.dispose(tensors);
  }
  const kernels = [...perKernel].map(([kernel, e]) => ({ kernel, calls: e.calls / repeats, ms: round(e.ms / repeats) }));
  kernels.sort((a, b) => b.ms - a.ms);
  return {
    featurize_ms: round(featurizeMs / repeats),
    forward_backward_ms: round(fbMs / repeats),
    optimizer_ms: round(optMs / repeats),
    kernel_ms: round(kernels.reduce((n, k) => n + k.ms, 0)),
    top_kernels: kernels.slice(0, 6),
  };
}
