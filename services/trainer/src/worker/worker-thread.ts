/**
 * What the trainer's worker threads share: where their compiled scripts
 * are, and how an error a thread reports becomes an L1g1Error again.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { errors, L1g1Error, type ErrorKind } from '@l1g1/kit';

/** An error as a worker thread posts it (an L1g1Error's kind and field, or INTERNAL with the detail). */
export interface WorkerError {
  type: 'error';
  kind: string;
  message: string;
  field: string;
}

/** The compiled script `dist/worker/<name>.js` (tests under tsx run the compiled one too). */
export function workerScript(name: string): string {
  const local = join(__dirname, `${name}.js`);
  if (existsSync(local)) return local;
  return join(__dirname, '..', '..', 'dist', 'worker', `${name}.js`);
}

/** The reported error as the caller's: client faults keep kind and field; INTERNAL keeps its detail for the log only. */
export function errorFromWorker(m: WorkerError, internalMessage: string): L1g1Error {
  return m.kind === 'INTERNAL'
    ? errors.internal(internalMessage, { cause: new Error(m.message) })
    : new L1g1Error(m.kind as ErrorKind, m.message, { ...(m.field ? { field: m.field } : {}) });
}

/** An error caught in a worker thread, as it posts it. */
export function toWorkerError(err: unknown): WorkerError {
  if (err instanceof L1g1Error) return { type: 'error', kind: err.kind, message: err.message, field: err.field };
  return { type: 'error', kind: 'INTERNAL', message: err instanceof Error ? (err.stack ?? err.message) : String(err), field: '' };
}
