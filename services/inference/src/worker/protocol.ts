/** Messages between the inference main thread and its ORT worker threads. */
import type { WireTensor } from '../domain/wire-tensor';

export type { OrtType, WireTensor } from '../domain/wire-tensor';

export interface WorkerInit {
  /**
   * The verified artifact bytes. Sessions are created from memory, never from
   * a path: a model's external-data location then has no directory to resolve
   * against, so it cannot read another file.
   */
  modelBytes: Uint8Array;
  intraOpNumThreads: number;
}

export type ToWorker = { kind: 'run'; id: number; feeds: Record<string, WireTensor>; outputNames: string[] };

export type FromWorker =
  | { kind: 'ready' }
  | { kind: 'load-error'; message: string }
  /** `startedAtMs` / `endedAtMs`: epoch ms (fractional) on the worker's own clock. */
  | { kind: 'result'; id: number; outputs: Record<string, WireTensor>; computeUs: number; startedAtMs: number; endedAtMs: number }
  | { kind: 'run-error'; id: number; message: string };
