import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { errors, type Logger } from '@l1g1/kit';
import type { TextFeaturizer } from '../domain/ports';
import type { FromFeaturizer } from '../worker/featurize-protocol';

export interface FeaturizerThreadOptions {
  /** Requests waiting for or on the thread at most; beyond it RESOURCE_EXHAUSTED (retry shortly). */
  maxPending: number;
  logger: Logger;
}

function workerScript(): string {
  // Compiled layout: dist/adapters/featurizer-thread.js -> dist/worker/featurize-worker.js.
  const local = join(__dirname, '..', 'worker', 'featurize-worker.js');
  if (existsSync(local)) return local;
  return join(__dirname, '..', '..', 'dist', 'worker', 'featurize-worker.js');
}

/**
 * One worker thread, started on the first raw-text request (most deployments
 * never send text), restarted on demand if it dies. Bounded: at most
 * `maxPending` requests in flight.
 */
export function createFeaturizerThread(options: FeaturizerThreadOptions): TextFeaturizer {
  let worker: Worker | undefined;
  let nextId = 1;
  let closed = false;
  const pending = new Map<number, { resolve: (r: { ids: Buffer; rows: number; width: number }) => void; reject: (e: Error) => void }>();

  const start = (): Worker => {
    const w = new Worker(workerScript());
    w.on('message', (msg: FromFeaturizer) => {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (!p) return;
      if ('error' in msg) {
        // The recipe was validated before; a failure here is ours, its detail stays in the log.
        options.logger.warn({ detail: msg.error }, 'featurizing raw text failed');
        p.reject(errors.internal('featurizing the text failed'));
      } else {
        p.resolve({ ids: Buffer.from(msg.ids), rows: msg.rows, width: msg.width });
      }
    });
    const fail = (err: Error): void => {
      if (worker === w) worker = undefined;
      if (!closed) options.logger.warn({ err }, 'featurizer thread stopped');
      for (const p of pending.values()) p.reject(errors.unavailable('featurizer thread stopped; retry'));
      pending.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`exit code ${code}`)));
    w.unref();
    return w;
  };

  return {
    featurize(texts, recipe) {
      if (closed) return Promise.reject(errors.unavailable('inference is stopping'));
      if (pending.size >= options.maxPending) {
        return Promise.reject(errors.resourceExhausted(`${pending.size} raw-text requests are being featurized; retry shortly`, 200, { reason: 'FEATURIZER_BUSY' }));
      }
      worker ??= start();
      const w = worker;
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        w.postMessage({ id, texts, recipe });
      });
    },
    async close() {
      closed = true;
      await worker?.terminate();
    },
  };
}
