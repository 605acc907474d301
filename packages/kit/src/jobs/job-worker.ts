import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { errors, L1g1Error } from '../errors';
import type { Logger } from '../logger';
import type { Job, JobCheckpoint, JobProgress, JsonValue } from './job';
import type { ClaimedJob, JobStore } from './job-store';
import { DEFAULT_RETRY_POLICY, isRetryable, retryDelayMs, toJobError, type RetryPolicy } from './retry-policy';

/** What a job handler gets for one attempt. */
export interface JobContext {
  readonly job: Job;
  readonly params: JsonValue;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** The last checkpoint saved by any earlier attempt: resume from here. */
  readonly checkpoint: JobCheckpoint | undefined;
  /**
   * Aborts when the job is cancelled, its lease is lost or the worker stops;
   * `signal.reason` says which. Check it between steps (or pass it on).
   */
  readonly signal: AbortSignal;
  saveCheckpoint(state: JsonValue, blobs?: string[]): Promise<void>;
  progress(update: Partial<JobProgress>): Promise<void>;
  emit(type: 'metric' | 'log', data: JsonValue): Promise<void>;
}

/**
 * Runs one attempt; its resolved value is the job's result. It must be
 * resumable from `ctx.checkpoint`. CPU-heavy work belongs in a worker thread
 * (the handler awaits it): the worker's heartbeats run on this event loop.
 */
export type JobHandler = (ctx: JobContext) => Promise<JsonValue | undefined>;

export interface JobWorkerOptions {
  store: JobStore;
  /** Handlers by job kind; the worker claims only these kinds. */
  handlers: Readonly<Record<string, JobHandler>>;
  logger: Logger;
  /** Default `<hostname>-<pid>-<random>`. */
  workerId?: string;
  /** Jobs run at once by this worker (default 1). */
  concurrency?: number;
  /** A dead worker's job is claimed again this long after its last heartbeat (default 30000). */
  leaseMs?: number;
  /**
   * Heartbeat period: renews the lease and picks up cancel requests, so a
   * cancel is seen within this time (default min(leaseMs / 3, 500)).
   */
  heartbeatMs?: number;
  /** Idle poll period when no store notification arrives (default 1000). */
  pollMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Jitter source (tests pass a fixed one). */
  random?: () => number;
}

export interface JobWorker {
  readonly workerId: string;
  /** Jobs running now. */
  readonly running: number;
  start(): void;
  /** Stops claiming, aborts running attempts and gives their jobs back to the queue; resolves when all settled. */
  stop(): Promise<void>;
}

/** Why an attempt's signal aborted. */
export type JobAbortReason = 'cancelled' | 'lease_lost' | 'shutdown';

class JobAbort extends Error {
  constructor(readonly why: JobAbortReason) {
    super(`job attempt aborted: ${why}`);
    this.name = 'JobAbort';
  }
}

/** The reason an attempt's signal aborted with, when it was the runtime's doing. */
export function jobAbortReason(signal: AbortSignal): JobAbortReason | undefined {
  return signal.reason instanceof JobAbort ? signal.reason.why : undefined;
}

/**
 * A job worker: claims jobs of its kinds with a lease, renews the lease by
 * heartbeats, runs at most `concurrency` attempts at once, and records each
 * outcome (result, retry with backoff, failure, cancel).
 *
 * Never two runners: a worker that cannot renew its lease (store unreachable,
 * lease taken over) aborts its attempt before the lease can expire, and every
 * write of a stale attempt is fenced by its lease token in the store.
 */
export function createJobWorker(options: JobWorkerOptions): JobWorker {
  const { store, handlers, logger } = options;
  const workerId = options.workerId ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const concurrency = options.concurrency ?? 1;
  const leaseMs = options.leaseMs ?? 30_000;
  const heartbeatMs = options.heartbeatMs ?? Math.max(1, Math.min(Math.floor(leaseMs / 3), 500));
  const pollMs = options.pollMs ?? 1000;
  const retry: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const random = options.random ?? Math.random;
  const kinds = Object.keys(handlers);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be a positive integer');
  if (heartbeatMs >= leaseMs) throw new RangeError('heartbeatMs must be shorter than leaseMs');

  const active = new Map<string, { controller: AbortController; done: Promise<void> }>();
  let stopping = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  const wakeUp = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const idle = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        wake = undefined;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  async function runAttempt(claimed: ClaimedJob, controller: AbortController): Promise<void> {
    const { job, leaseToken } = claimed;
    const abort = (why: JobAbortReason): void => {
      if (!controller.signal.aborted) controller.abort(new JobAbort(why));
    };
    // Heartbeats: renew the lease, learn of cancel requests. If no renewal
    // succeeded for most of a lease, stop before another worker may start.
    let lastRenewedAt = Date.now();
    let beating = false;
    const beat = setInterval(() => {
      // Checked on every tick, even while a renewal hangs on an unreachable store.
      if (Date.now() - lastRenewedAt > leaseMs - heartbeatMs) abort('lease_lost');
      if (beating) return;
      beating = true;
      store
        .heartbeat(job.id, leaseToken, leaseMs)
        .then((lease) => {
          if (!lease.held) return abort('lease_lost');
          lastRenewedAt = Date.now();
          if (lease.cancelRequested) abort('cancelled');
        })
        .catch((err: unknown) => logger.warn({ err, jobId: job.id }, 'job heartbeat failed'))
        .finally(() => {
          beating = false;
        });
    }, heartbeatMs);
    if (job.cancelRequested) abort('cancelled');
    const handler = handlers[job.kind] as JobHandler;
    const ctx: JobContext = {
      job,
      params: job.params,
      attempt: job.attempts,
      checkpoint: job.checkpoint,
      signal: controller.signal,
      saveCheckpoint: async (state, blobs = []) => {
        await store.saveCheckpoint(job.id, leaseToken, { state, blobs });
      },
      progress: async (update) => {
        await store.reportProgress(job.id, leaseToken, update);
      },
      emit: async (type, data) => {
        await store.emit(job.id, leaseToken, type, data);
      },
    };
    let outcome: { ok: true; result: JsonValue | undefined } | { ok: false; err: unknown };
    try {
      outcome = { ok: true, result: await handler(ctx) };
    } catch (err) {
      outcome = { ok: false, err };
    } finally {
      clearInterval(beat);
    }
    const why = jobAbortReason(controller.signal);
    try {
      if (why === 'lease_lost') {
        // Another worker owns the job now (or will): record nothing.
        logger.warn({ jobId: job.id, workerId }, 'job lease lost; attempt abandoned');
      } else if (outcome.ok) {
        // Finished before it saw a cancel or a shutdown: the work is done, keep it.
        await store.complete(job.id, leaseToken, outcome.result).catch(async (err: unknown) => {
          // A result the store refuses (not JSON, too large) would fail the same way on every attempt.
          if (!(err instanceof L1g1Error && err.kind === 'INVALID_ARGUMENT')) throw err;
          await store.fail(job.id, leaseToken, toJobError(err, ''));
        });
      } else if (why === 'cancelled') {
        await store.markCancelled(job.id, leaseToken);
      } else if (why === 'shutdown') {
        await store.release(job.id, leaseToken);
      } else {
        const incident = randomUUID();
        if (!(outcome.err instanceof L1g1Error) || outcome.err.kind === 'INTERNAL') {
          logger.error({ err: outcome.err, incident, jobId: job.id, kind: job.kind }, 'job attempt failed');
        }
        const error = toJobError(outcome.err, incident);
        const retryInMs = isRetryable(outcome.err) ? retryDelayMs(retry, job.attempts, outcome.err, random) : undefined;
        await store.fail(job.id, leaseToken, error, retryInMs);
      }
    } catch (err) {
      // LEASE_LOST here means the job moved on without us; anything else leaves it to lease expiry.
      logger.warn({ err, jobId: job.id }, 'could not record the job outcome');
    }
  }

  async function claimLoop(): Promise<void> {
    const unsubscribe = store.subscribe(wakeUp);
    try {
      while (!stopping) {
        if (active.size >= concurrency) {
          await idle(pollMs);
          continue;
        }
        let claimed: ClaimedJob | undefined;
        try {
          claimed = await store.claim({ workerId, kinds, leaseMs });
        } catch (err) {
          logger.warn({ err }, 'job claim failed; retrying');
        }
        if (stopping) {
          if (claimed) await store.release(claimed.job.id, claimed.leaseToken).catch(() => undefined);
          break;
        }
        if (!claimed) {
          await idle(pollMs);
          continue;
        }
        const c = claimed;
        const controller = new AbortController();
        const done = runAttempt(c, controller).finally(() => {
          active.delete(c.job.id);
          wakeUp();
        });
        active.set(c.job.id, { controller, done });
      }
    } finally {
      unsubscribe();
    }
  }

  return {
    workerId,
    get running() {
      return active.size;
    },
    start() {
      if (loop || stopping) return;
      if (kinds.length === 0) throw errors.failedPrecondition('a job worker needs at least one handler');
      loop = claimLoop();
    },
    async stop() {
      stopping = true;
      wakeUp();
      await loop;
      for (const { controller } of active.values()) {
        if (!controller.signal.aborted) controller.abort(new JobAbort('shutdown'));
      }
      await Promise.all([...active.values()].map((a) => a.done));
    },
  };
}
