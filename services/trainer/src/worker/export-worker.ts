/**
 * The worker thread of one ExportOnnx call: rebuilds the job's model from a
 * checkpoint through the library (`createModel`, weights loaded) and answers
 * its export spec and tags. Off the service's event loop: building a text
 * classifier's 2^18-row table and restoring it takes a good fraction of a second.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { trainer } from '@l1g1/contracts';
import { modelFromCheckpoint } from '../domain/jobs/checkpoint-model';
import type { ExportModelSpec } from '../export/layer-spec';
import { toWorkerError, type WorkerError } from './worker-thread';

export interface ExportWorkerInput {
  architecture: trainer.ArchitectureSpec;
  checkpoint: Uint8Array;
}

export type ExportWorkerOutput = { type: 'done'; exportSpec: ExportModelSpec; tags: Record<string, string> } | WorkerError;

const port = parentPort;
if (!port) throw new Error('export-worker runs as a worker thread');
const input = workerData as ExportWorkerInput;
try {
  const model = modelFromCheckpoint(input.architecture, input.checkpoint);
  try {
    const out: ExportWorkerOutput = { type: 'done', exportSpec: model.exportSpec(), tags: model.tags() };
    port.postMessage(out);
  } finally {
    model.dispose();
  }
} catch (err: unknown) {
  port.postMessage(toWorkerError(err));
}
