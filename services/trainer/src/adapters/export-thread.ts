/**
 * Runs the export worker for one ExportOnnx call and answers the rebuilt
 * model's export spec and tags (or the error it reported, same kind).
 */
import { Worker } from 'node:worker_threads';
import type { trainer } from '@l1g1/contracts';
import { errors } from '@l1g1/kit';
import type { ExportModelSpec } from '../export/layer-spec';
import type { ExportWorkerInput, ExportWorkerOutput } from '../worker/export-worker';
import { errorFromWorker, workerScript } from '../worker/worker-thread';

export function rebuildForExport(architecture: trainer.ArchitectureSpec, checkpoint: Uint8Array): Promise<{ exportSpec: ExportModelSpec; tags: Record<string, string> }> {
  // A copy of its own moves to the thread: a small Buffer may share Node's pool with other Buffers.
  const own = Uint8Array.from(checkpoint);
  const input: ExportWorkerInput = { architecture, checkpoint: own };
  const worker = new Worker(workerScript('export-worker'), { workerData: input, transferList: [own.buffer] });
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      fn();
      void worker.terminate();
    };
    worker.on('message', (m: ExportWorkerOutput) => settle(() => (m.type === 'done' ? resolve({ exportSpec: m.exportSpec, tags: m.tags }) : reject(errorFromWorker(m, 'the export failed')))));
    worker.on('error', (err) => settle(() => reject(errors.internal('the export thread failed', { cause: err }))));
    worker.on('exit', (code) => settle(() => reject(errors.internal(`the export thread exited (code ${code}) before answering`))));
  });
}
