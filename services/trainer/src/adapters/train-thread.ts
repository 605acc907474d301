/**
 * Runs one training attempt in a worker thread (training never blocks the
 * service's event loop) and hands its messages to the job, in order, one at
 * a time: the job's handler for a checkpoint (a blob write, a row) finishes
 * before the next message is handled.
 */
import { Worker } from 'node:worker_threads';
import { errors } from '@l1g1/kit';
import { transferables } from '../worker/record-batch';
import { errorFromWorker, workerScript } from '../worker/worker-thread';
import type { TrainWorkerInput, WorkerToMain } from '../worker/train-protocol';

export type DoneMessage = Extract<WorkerToMain, { type: 'done' }>;

/**
 * Starts the thread; resolves with its `done` message, rejects with the
 * error it reported (an L1g1Error of the same kind) or when it dies.
 * `signal` asks the loop to stop at the next step (it checkpoints first).
 */
export function runTrainThread(input: TrainWorkerInput, onMessage: (m: WorkerToMain) => Promise<void>, signal: AbortSignal): Promise<DoneMessage> {
  // The records' buffers move to the thread (not copied): the job holds them once.
  const transfer = [...transferables(input.train), ...(input.validation ? transferables(input.validation) : [])];
  const worker = new Worker(workerScript('train-worker'), { workerData: input, transferList: transfer });
  return new Promise<DoneMessage>((resolve, reject) => {
    let chain = Promise.resolve();
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      fn();
      void worker.terminate();
    };
    const onAbort = (): void => {
      Atomics.store(input.stopFlag, 0, 1);
      worker.postMessage({ type: 'abort' });
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort);
    worker.on('message', (m: WorkerToMain) => {
      chain = chain.then(async () => {
        if (settled) return;
        if (m.type === 'done') settle(() => resolve(m));
        else if (m.type === 'error') {
          settle(() => reject(errorFromWorker(m, 'training failed')));
        } else await onMessage(m);
      }).catch((err: unknown) => settle(() => reject(err)));
    });
    worker.on('error', (err) => settle(() => reject(errors.internal('the training thread failed', { cause: err }))));
    // After the messages already queued (a `done` handled first wins).
    worker.on('exit', (code) => {
      chain = chain.then(() => settle(() => reject(errors.internal(`the training thread exited (code ${code}) before finishing`))));
    });
  });
}
