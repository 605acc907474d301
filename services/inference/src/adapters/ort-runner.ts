import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { errors, type Logger } from '@l1g1/kit';
import type { ModelRunner, RunResult } from '../domain/ports';
import type { FromWorker, WorkerInit } from '../worker/protocol';

/** Runs one model on a pool of worker threads, each with its own session. */
export interface OrtRunner extends ModelRunner {
  /** Calls in flight on the workers. */
  readonly inFlight: number;
}

export interface OrtRunnerOptions {
  workers: number;
  intraOpNumThreads: number;
  /** Where onnxruntime's own messages go (they name server paths: never sent to clients). */
  logger?: Logger;
  /** Names the model in log lines, e.g. `demo/1 fp32`. */
  label?: string;
}

/**
 * onnxruntime messages carry its build paths (`/onnxruntime_src/...:44`) and
 * sometimes host paths; a client gets the message without them.
 */
export function redactOrtMessage(message: string): string {
  return message
    .replace(/\[[^\]]*\]\s*/g, '')
    .replace(/(?:\/[^\s:/]+)+\/?(?::\d+)?/g, '<path>')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
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
 * Starts `workers` threads that each create a session from `modelBytes`
 * (from memory: no path for external data to resolve against); resolves once
 * all are ready, rejects (and stops them) if the model does not load. Load
 * failures answer a stable FAILED_PRECONDITION: onnxruntime's message names
 * server paths, so it goes to the log only.
 */
export async function createOrtRunner(modelBytes: Uint8Array, options: OrtRunnerOptions): Promise<OrtRunner> {
  const init: WorkerInit = { modelBytes, intraOpNumThreads: options.intraOpNumThreads };
  const label = options.label ?? 'model';
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
            options.logger?.warn({ model: label, detail: msg.message }, 'model does not load in onnxruntime');
            rejectSlot(
              errors.failedPrecondition(`the artifact of ${label} does not load in onnxruntime (the detail is in the inference log)`, {
                reason: 'MODEL_LOAD_FAILED',
              }),
            );
            void worker.terminate();
            return;
          case 'result': {
            const p = slot.pending.get(msg.id);
            slot.pending.delete(msg.id);
            p?.resolve({ outputs: msg.outputs, computeUs: msg.computeUs, startedAtMs: msg.startedAtMs, endedAtMs: msg.endedAtMs } satisfies RunResult);
            return;
          }
          case 'run-error': {
            const p = slot.pending.get(msg.id);
            slot.pending.delete(msg.id);
            options.logger?.debug({ model: label, detail: msg.message }, 'model run failed');
            p?.reject(errors.invalidArgument('inputs', `model run failed: ${redactOrtMessage(msg.message)}`, { reason: 'MODEL_RUN_FAILED' }));
            return;
          }
        }
      });
      const fail = (err: Error): void => {
        slot.dead = true;
        options.logger?.warn({ model: label, err }, 'model worker stopped');
        for (const p of slot.pending.values()) p.reject(errors.unavailable('model worker stopped; retry'));
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
