/**
 * Runs one upload's parse + clean in a worker thread (worker/ingest-worker)
 * so the service's event loop only routes: gRPC calls, health checks and job
 * heartbeats go on while a large upload is parsed. Records arrive in
 * batches; the next batch is requested only once this one is consumed, so a
 * slow snapshot writer slows the parser instead of filling the heap.
 */
import { errors, L1g1Error, type ErrorKind } from '@l1g1/kit';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { StoredRecord } from '../domain/snapshot/stored-record';
import type { IngestWorkerInput, MainToWorker, WorkerSummary, WorkerToMain } from '../worker/ingest-protocol';

function workerScript(): string {
  // Compiled layout: dist/adapters/ingest-thread.js -> dist/worker/ingest-worker.js (tests run src/ under tsx: use dist).
  const local = join(__dirname, '..', 'worker', 'ingest-worker.js');
  if (existsSync(local)) return local;
  return join(__dirname, '..', '..', 'dist', 'worker', 'ingest-worker.js');
}

export interface IngestThread {
  /** The kept records, in the order the worker produced them; iterate once, to the end. */
  records: AsyncIterable<StoredRecord>;
  /** Resolves after the last record with the upload's counts and report. */
  summary: Promise<WorkerSummary>;
}

export interface IngestThreadOptions {
  signal: AbortSignal;
  onProgress(counters: Record<string, number>): void;
}

type Event = { kind: 'batch'; records: StoredRecord[] } | { kind: 'end' } | { kind: 'fail'; error: Error };

export function startIngestThread(input: IngestWorkerInput, options: IngestThreadOptions): IngestThread {
  const worker = new Worker(workerScript(), { workerData: input });
  const events: Event[] = [];
  let wake: (() => void) | undefined;
  let finished = false;
  let resolveSummary!: (s: WorkerSummary) => void;
  let rejectSummary!: (e: Error) => void;
  const summary = new Promise<WorkerSummary>((resolve, reject) => {
    resolveSummary = resolve;
    rejectSummary = reject;
  });
  // The records' consumer sees the same error; this keeps an unobserved rejection quiet.
  summary.catch(() => undefined);
  const push = (e: Event): void => {
    events.push(e);
    const w = wake;
    wake = undefined;
    w?.();
  };
  const fail = (error: Error): void => {
    if (finished) return;
    finished = true;
    rejectSummary(error);
    push({ kind: 'fail', error });
    void worker.terminate();
  };
  worker.on('message', (m: WorkerToMain) => {
    if (m.type === 'records') push({ kind: 'batch', records: m.records });
    else if (m.type === 'progress') options.onProgress(m.counters);
    else if (m.type === 'done') {
      finished = true;
      resolveSummary(m.summary);
      push({ kind: 'end' });
      void worker.terminate();
    } else if (m.type === 'error') {
      const e = m.error;
      // INTERNAL carries the worker's stack: it becomes a plain Error, logged with an incident id, never sent.
      fail(e.kind === 'INTERNAL' ? new Error(`ingest worker failed: ${e.message}`) : new L1g1Error(e.kind as ErrorKind, e.message, { reason: e.reason, field: e.field }));
    }
  });
  worker.on('error', (err) => fail(err));
  worker.on('exit', (code) => {
    // Staging and archive temp files die with the thread.
    void rm(input.workDir, { recursive: true, force: true });
    if (!finished) fail(new Error(`ingest worker exited with code ${code} before finishing`));
  });
  const onAbort = (): void => fail(errors.cancelled('the ingest job was cancelled', { reason: 'JOB_CANCELLED' }));
  if (options.signal.aborted) onAbort();
  else options.signal.addEventListener('abort', onAbort, { once: true });

  const records: AsyncIterable<StoredRecord> = {
    async *[Symbol.asyncIterator]() {
      try {
        for (;;) {
          const e = events.shift();
          if (e === undefined) {
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
            continue;
          }
          if (e.kind === 'end') return;
          if (e.kind === 'fail') throw e.error;
          yield* e.records;
          if (!finished) worker.postMessage({ type: 'ack' } satisfies MainToWorker);
        }
      } finally {
        options.signal.removeEventListener('abort', onAbort);
        // A consumer that stopped early (the writer failed): nothing more is wanted.
        if (!finished) fail(errors.cancelled('the snapshot writer stopped reading'));
      }
    },
  };
  return { records, summary };
}
