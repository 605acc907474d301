import { errors } from '@l1g1/kit';
import type { KernelConfig } from '@tensorflow/tfjs';
import { registerWasmKernels, WASM_KERNELS } from './kernels';

/** Where training runs: `auto` takes the fastest backend that loads, `gpu` insists on one. */
export type Device = 'cpu' | 'gpu' | 'auto';
export const DEVICES: readonly Device[] = ['cpu', 'gpu', 'auto'];

/** What a job reports about the backend it trains on. */
export interface BackendReport {
  /** tfjs backend name: `tensorflow` (tfjs-node / tfjs-node-gpu), `wasm` or `cpu`. */
  name: string;
  /** The npm package that provides it. */
  package: string;
  version: string;
  device: 'cpu' | 'gpu';
  /** Our own kernels registered for this backend (the wasm backend lacks some training kernels). */
  kernels: string[];
  /** Faster candidates that were skipped, and why, in a form safe to show a user. */
  skipped: Array<{ package: string; reason: string }>;
}

/** The slice of the tfjs API the choice needs; the real `@tensorflow/tfjs` module satisfies it. */
export interface TfBackendApi {
  setBackend(name: string): Promise<boolean>;
  getBackend(): string;
  version_core: string;
  getKernel(kernelName: string, backendName: string): KernelConfig | undefined;
  registerKernel(config: KernelConfig): void;
}

export interface BackendDeps {
  tf: TfBackendApi;
  /** Loads a module by id, like `require` (tests pass one that says "not installed"). */
  loadModule: (id: string) => unknown;
  /** Kernels to register when the wasm backend is chosen (default: ours). */
  wasmKernels?: readonly KernelConfig[];
}

interface Candidate {
  package: string;
  backend: string;
  device: 'cpu' | 'gpu';
}

const NODE_GPU: Candidate = { package: '@tensorflow/tfjs-node-gpu', backend: 'tensorflow', device: 'gpu' };
const NODE_CPU: Candidate = { package: '@tensorflow/tfjs-node', backend: 'tensorflow', device: 'cpu' };
const WASM: Candidate = { package: '@tensorflow/tfjs-backend-wasm', backend: 'wasm', device: 'cpu' };
const CPU: Candidate = { package: '@tensorflow/tfjs', backend: 'cpu', device: 'cpu' };

/** Candidates per device, fastest first. The plain cpu backend always works, so it ends every cpu list. */
const ORDER: Readonly<Record<Device, readonly Candidate[]>> = {
  auto: [NODE_GPU, NODE_CPU, WASM, CPU],
  cpu: [NODE_CPU, WASM, CPU],
  gpu: [NODE_GPU],
};

/** A load failure said without paths or stack text (the cause stays on the error for logs). */
function describeLoadFailure(id: string, err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  if (e.code === 'MODULE_NOT_FOUND' && typeof e.message === 'string' && e.message.includes(`'${id}'`)) {
    return 'not installed';
  }
  return 'installed but failed to load (its native library is missing or does not match this machine)';
}

function packageVersion(deps: BackendDeps, candidate: Candidate): string {
  if (candidate === CPU) return deps.tf.version_core;
  try {
    const pkg = deps.loadModule(`${candidate.package}/package.json`) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Chooses and activates the training backend once, at start: tfjs-node-gpu, then tfjs-node (when
 * installed and loadable), then wasm with our kernels registered, then the plain cpu backend.
 * `device: 'cpu'` never takes the GPU build; `device: 'gpu'` fails with FAILED_PRECONDITION
 * naming `device` when no GPU backend loads, instead of silently training on a CPU.
 */
export async function selectBackend(options: { device?: string }, deps: BackendDeps): Promise<BackendReport> {
  const device = options.device ?? 'auto';
  if (!(DEVICES as readonly string[]).includes(device)) {
    throw errors.invalidArgument('device', `must be one of ${DEVICES.join(', ')}, got ${JSON.stringify(device)}`);
  }
  const skipped: BackendReport['skipped'] = [];
  let lastCause: unknown;
  for (const candidate of ORDER[device as Device]) {
    try {
      // loading a backend package registers its backend with tfjs as a side effect
      if (candidate !== CPU) deps.loadModule(candidate.package);
    } catch (err: unknown) {
      skipped.push({ package: candidate.package, reason: describeLoadFailure(candidate.package, err) });
      lastCause = err;
      continue;
    }
    // our kernels must be in the registry before the backend runs its first op
    const kernels = candidate === WASM ? registerWasmKernels(deps.tf, deps.wasmKernels ?? WASM_KERNELS) : [];
    let started = false;
    try {
      started = await deps.tf.setBackend(candidate.backend);
    } catch (err: unknown) {
      // "not found in registry": the package registered into another copy of tfjs-core
      lastCause = err;
    }
    if (!started) {
      skipped.push({ package: candidate.package, reason: `loaded but its '${candidate.backend}' backend did not start` });
      continue;
    }
    return {
      name: candidate.backend,
      package: candidate.package,
      version: packageVersion(deps, candidate),
      device: candidate.device,
      kernels,
      skipped,
    };
  }
  const why = skipped.map((s) => `${s.package}: ${s.reason}`).join('; ');
  throw errors.failedPrecondition(`device ${device}: no backend available (${why})`, {
    field: 'device',
    reason: 'BACKEND_UNAVAILABLE',
    cause: lastCause,
  });
}
