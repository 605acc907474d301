import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { errors } from '@l1g1/kit';
import type { FromWorker, WireTensor, WorkerInit } from '../worker/protocol';

export interface RunResult {
  outputs: Record<string, WireTensor>;
  computeUs: number;
}

/** Runs one model on a pool of worker threads, each with its own session. */
export interface OrtRunner {
  run(feeds: Record<string, WireTensor>, outputNames: string[]): Promise<RunResult>;
  /** Calls in flight on the workers. */
  readonly inFlight: number;
  readonly workers: number;
  close(): Promise<void>;
}

function workerScript(): string {
  // Compiled layout: dist/adapters/ort-runner.js -> dist/worker/ort-worker.js.
  const local = join(__dirname, '..', 'worker', 'ort-worker.js');
  if (existsSync(local)) return local;
  return join(__dirname, '..', '..', 'dist', 'worker', 'ort-worker.js');
}

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve: (r: RunResult) => void; reject: (e: Error) => void }>;
  dead: boolean;
}

/**
 * Starts `workers` threads that each load `modelPath`; resolves once all are
 * ready, rejects (and stops them) if the model does not load.
 */
export async function createOrtRunner(
  modelPath: string,
  options: { workers: number; intraOpNumThreads: number },
): Promise<OrtRunner> {
  const init: WorkerInit = { modelPath, intraOpNumThreads: options.intraOpNumThreads };
  let nextId = 1;
  let closed = false;

  const spawn = (): Promise<Slot> =>
    new Promise((resolveSlot, rejectSlot) => {
      const worker = new Worker(workerScript(), { workerData: init });
      const slot: Slot = { worker, pending: new Map(), dead: false };
      let ready = false;
      worker.on('message', (msg: FromWorker) => {
        switch (msg.kind) {
          case 'ready':
            ready = true;
            resolveSlot(slot);
            return;
          case 'load-error':
            rejectSlot(errors.invalidArgument('artifact', `model does not load in onnxruntime: ${msg.message}`, { reason: 'MODEL_LOAD_FAILED' }));
            void worker.terminate();
            return;
          case 'result': {
            const p = slot.pending.get(msg.id);
            slot.pending.delete(msg.id);
            p?.resolve({ outputs: msg.outputs, computeUs: msg.computeUs });
            return;
          }
          case 'run-error': {
            const p = slot.pending.get(msg.id);
            slot.pending.delete(msg.id);
            p?.reject(errors.invalidArgument('inputs', `model run failed: ${msg.message}`, { reason: 'MODEL_RUN_FAILED' }));
            return;
          }
        }
      });
      const fail = (err: Error): void => {
        slot.dead = true;
        for (const p of slot.pending.values()) p.reject(errors.unavailable(`model worker stopped: ${err.message}`));
        slot.pending.clear();
        if (!ready) rejectSlot(err);
      };
      worker.on('error', fail);
      worker.on('exit', (code) => {
        if (!slot.dead) fail(new Error(`exit code ${code}`));
      });
    });

  const slots: Slot[] = [];
  try {
    for (let i = 0; i < Math.max(1, options.workers); i++) slots.push(await spawn());
  } catch (err) {
    await Promise.all(slots.map((s) => s.worker.terminate()));
    throw err;
  }

  const pick = async (): Promise<Slot> => {
    // Least-loaded live worker; a crashed one is replaced on demand.
    for (let i = 0; i < slots.length; i++) {
      if (slots[i]!.dead && !closed) slots[i] = await spawn();
    }
    let best = slots[0]!;
    for (const s of slots) if (s.pending.size < best.pending.size) best = s;
    return best;
  };

  return {
    get inFlight() {
      return slots.reduce((n, s) => n + s.pending.size, 0);
    },
    workers: slots.length,
    async run(feeds, outputNames) {
      if (closed) throw errors.unavailable('model is unloading');
      const slot = await pick();
      const id = nextId++;
      const transfer = Object.values(feeds)
        .map((t) => t.data)
        .filter((d): d is ArrayBuffer => d instanceof ArrayBuffer);
      return new Promise<RunResult>((resolveRun, rejectRun) => {
        slot.pending.set(id, { resolve: resolveRun, reject: rejectRun });
        slot.worker.postMessage({ kind: 'run', id, feeds, outputNames }, transfer);
      });
    },
    async close() {
      closed = true;
      await Promise.all(
        slots.map(async (s) => {
          s.dead = true;
          await s.worker.terminate();
        }),
      );
    },
  };
}
