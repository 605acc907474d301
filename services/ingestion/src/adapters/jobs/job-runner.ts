/**
 * The service's one job worker, with handlers registered by kind before it
 * starts. The kit's worker takes its handlers when created (it claims only
 * those kinds), while the parts of this service (ingest, align, confidence
 * filter, derive) register theirs from their own modules during
 * composition; this holder collects them and creates the worker at `start`.
 */
import { createJobWorker, type JobHandler, type JobStore, type JobWorker, type Logger } from '@l1g1/kit';

/** Kinds of the jobs this service runs. */
export const INGESTION_JOB_KINDS = {
  ingest: 'ingestion.ingest',
  align: 'ingestion.align',
  confidenceFilter: 'ingestion.confidence_filter',
  derive: 'ingestion.derive',
} as const;

export interface IngestionJobRunner {
  /** Adds the handler of `kind`; refused after `start` (the worker would never claim the kind). */
  register(kind: string, handler: JobHandler): void;
  /** Kinds registered so far. */
  readonly kinds: readonly string[];
  /** Starts claiming (no-op when nothing is registered). */
  start(): void;
  /** Stops claiming and gives running jobs back to the queue. */
  stop(): Promise<void>;
}

export interface JobRunnerOptions {
  store: JobStore;
  logger: Logger;
  /** Jobs run at once (uploads are bounded separately, before they become jobs). */
  concurrency: number;
  /** Heartbeat period (how soon a cancel is seen); default the kit's. */
  heartbeatMs?: number;
}

export function createIngestionJobRunner(options: JobRunnerOptions): IngestionJobRunner {
  const handlers: Record<string, JobHandler> = {};
  let worker: JobWorker | undefined;
  return {
    register(kind, handler) {
      if (worker) throw new Error(`job kind ${kind} registered after the worker started`);
      if (handlers[kind]) throw new Error(`job kind ${kind} registered twice`);
      handlers[kind] = handler;
    },
    get kinds() {
      return Object.keys(handlers);
    },
    start() {
      if (worker || Object.keys(handlers).length === 0) return;
      worker = createJobWorker({
        store: options.store,
        handlers,
        logger: options.logger,
        concurrency: options.concurrency,
        // Jobs of this service are not retried blindly: a parse that failed once fails again.
        ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
        pollMs: 250,
      });
      worker.start();
    },
    async stop() {
      await worker?.stop();
    },
  };
}
