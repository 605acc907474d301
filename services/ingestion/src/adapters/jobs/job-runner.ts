/**
 * The service's one job worker, with handlers registered by kind before it
 * starts. The kit's worker takes its handlers when created (it claims only
 * those kinds), while the parts of this service (ingest, align, confidence
 * filter, derive) register theirs from their own modules during
 * composition; this holder collects them and creates the worker at `start`.
 */
import { createJobWorker, errors, type Job, type JobContext, type JobHandler, type JobStore, type JobWorker, type Logger } from '@l1g1/kit';

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
  /**
   * Cancels a job: recorded in the store (a queued job is cancelled at once,
   * another process's running job at its next heartbeat), and a job running
   * in this process has its signal aborted synchronously, before this call's
   * first await, so the publisher's last check before the row insert sees it.
   */
  cancel(jobId: string): Promise<Job | undefined>;
}

export interface JobRunnerOptions {
  store: JobStore;
  logger: Logger;
  /** Jobs run at once (uploads are bounded separately, before they become jobs). */
  concurrency: number;
  /** Heartbeat period (how soon a cancel is seen); default the kit's. */
  heartbeatMs?: number;
}

/** How long a locally cancelled attempt waits for the kit worker to see the cancel (its next heartbeat). */
const CANCEL_SETTLE_MS = 30_000;

/** Resolves when `signal` aborts, or after `ms`. */
function abortedOrAfter(signal: AbortSignal, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

export function createIngestionJobRunner(options: JobRunnerOptions): IngestionJobRunner {
  const handlers: Record<string, JobHandler> = {};
  let worker: JobWorker | undefined;
  // Jobs running in this process, by id: cancel() aborts them at once instead of at the next heartbeat.
  const local = new Map<string, AbortController>();

  /**
   * The handler with a signal that also aborts on a local cancel. The kit
   * worker learns of a cancel only at its next heartbeat; an attempt that
   * stopped earlier waits for it, so the job ends `cancelled`, not `failed`.
   */
  const withLocalCancel = (handler: JobHandler): JobHandler => async (ctx: JobContext) => {
    const controller = new AbortController();
    local.set(ctx.job.id, controller);
    try {
      // A cancel recorded between the claim and the line above found no controller: the store has it.
      if ((await options.store.get(ctx.job.id))?.cancelRequested) controller.abort();
      try {
        return await handler({ ...ctx, signal: AbortSignal.any([ctx.signal, controller.signal]) });
      } catch (err) {
        if (controller.signal.aborted && !ctx.signal.aborted) {
          await abortedOrAfter(ctx.signal, CANCEL_SETTLE_MS);
          if (!ctx.signal.aborted) throw errors.cancelled('the job was cancelled', { reason: 'JOB_CANCELLED', cause: err });
        }
        throw err;
      }
    } finally {
      local.delete(ctx.job.id);
    }
  };

  return {
    register(kind, handler) {
      if (worker) throw new Error(`job kind ${kind} registered after the worker started`);
      if (handlers[kind]) throw new Error(`job kind ${kind} registered twice`);
      handlers[kind] = withLocalCancel(handler);
    },
    async cancel(jobId) {
      local.get(jobId)?.abort();
      const job = await options.store.requestCancel(jobId);
      // Claimed while the store was written: the attempt's own check may have read the store before it.
      local.get(jobId)?.abort();
      return job;
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
