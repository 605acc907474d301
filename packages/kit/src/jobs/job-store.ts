import type { Job, JobCheckpoint, JobError, JobEvent, JobEventType, JobProgress, JobState, JsonValue, ReopenJobInput, SubmitJobInput } from './job';

/** A job claimed by a worker: the lease token fences every write of this attempt. */
export interface ClaimedJob {
  job: Job;
  /** Changes on every claim; a worker whose lease was lost can no longer write. */
  leaseToken: string;
}

export interface ClaimOptions {
  workerId: string;
  /** Only these kinds (the handlers this worker has). */
  kinds: readonly string[];
  leaseMs: number;
}

export interface ListJobsOptions {
  kind?: string;
  /** Only these kinds (a service's own in a store shared by several); empty or absent: any. */
  kinds?: readonly string[];
  states?: readonly JobState[];
  /**
   * Only jobs submitted with every one of these subjects. Exact over all jobs (an
   * index lookup, not a scan) and paginated by the same `before` cursor; jobs stored
   * before subjects existed have none unless a backfill gave them some.
   */
  subjects?: readonly string[];
  /** Default 50, at most 500. */
  limit?: number;
  /** Keyset cursor: jobs created before this one (newest first). */
  before?: { createdAtMs: number; id: string };
}

/** What a heartbeat learns. */
export interface LeaseStatus {
  /** false: the lease was lost (expired and claimed again, or the job ended); stop at once. */
  held: boolean;
  cancelRequested: boolean;
}

/**
 * Durable job storage and queue. Two implementations, one contract
 * (packages/kit/test/jobs-contract.ts, run by jobs.test.ts): SQLite (embedded) and PostgreSQL
 * (replicas). Every state change and its event commit in one transaction.
 *
 * Writes made under a lease (`heartbeat` ... `release`) take the lease token
 * and are refused with FAILED_PRECONDITION (reason LEASE_LOST) once another
 * claim replaced it, so a worker presumed dead can never overwrite the work
 * of the one that took over.
 */
export interface JobStore {
  /**
   * Queues a job; with an idempotency key already used for this kind, answers that job
   * (`created: false`). Refused with RESOURCE_EXHAUSTED (JOB_QUEUE_FULL) when the kind's
   * queued + running jobs reached the store's cap.
   */
  submit(input: SubmitJobInput): Promise<{ job: Job; created: boolean }>;
  get(id: string): Promise<Job | undefined>;
  list(options?: ListJobsOptions): Promise<Job[]>;
  /**
   * Cooperative cancel: a queued job is cancelled at once; a running one is
   * flagged and its worker sees it at the next heartbeat; a finished one is
   * left as it is. Undefined when there is no such job.
   */
  requestCancel(id: string): Promise<Job | undefined>;
  /**
   * Queues a failed or cancelled job again under the same id (a user's
   * resume): attempts so far kept, its cap raised, its outcome cleared, a
   * `resumed` event then a `state` (queued) event appended to the same log.
   * Atomic: of concurrent reopens of one job exactly one wins; the others, and
   * any reopen of a queued, running or succeeded job, are FAILED_PRECONDITION
   * (reason JOB_NOT_REOPENABLE, field `job_id`). Undefined when there is no
   * such job; RESOURCE_EXHAUSTED when the kind's queue is full.
   */
  reopen(id: string, input?: ReopenJobInput): Promise<Job | undefined>;

  /**
   * Claims one job: a queued job whose backoff has passed, or a running one
   * whose lease expired (its worker died); at most one claimer wins. A
   * reclaimed job that was asked to cancel becomes cancelled, and one that
   * used all its attempts becomes failed, instead of running again.
   */
  claim(options: ClaimOptions): Promise<ClaimedJob | undefined>;
  heartbeat(jobId: string, leaseToken: string, leaseMs: number): Promise<LeaseStatus>;
  saveCheckpoint(jobId: string, leaseToken: string, checkpoint: { state: JsonValue; blobs: string[] }): Promise<JobCheckpoint>;
  reportProgress(jobId: string, leaseToken: string, progress: Partial<JobProgress>): Promise<JobProgress>;
  /** Appends a metric or log event to the job's log. */
  emit(jobId: string, leaseToken: string, type: Extract<JobEventType, 'metric' | 'log'>, data: JsonValue): Promise<void>;
  complete(jobId: string, leaseToken: string, result: JsonValue | undefined): Promise<Job>;
  /**
   * Ends the attempt with an error: with `retryInMs`, queued again for no sooner than that
   * (measured by the store's clock) unless the attempts are used up; else failed.
   */
  fail(jobId: string, leaseToken: string, error: JobError, retryInMs?: number): Promise<Job>;
  /** Ends a cancel-requested attempt: cancelled. */
  markCancelled(jobId: string, leaseToken: string): Promise<Job>;
  /** Gives the job back unfinished (worker shutting down): queued again, this attempt not counted. */
  release(jobId: string, leaseToken: string): Promise<Job>;

  /**
   * Gives the jobs of these kinds stored before subjects existed (by an older build)
   * the subjects `subjectsOf` derives from their params, so subject filters find
   * them too. Only rows never given subjects are read (a partial index finds
   * them), in batches, so after the first run it costs one empty index probe;
   * a derived subject that is not a valid one is left out. Answers how many
   * jobs it filled. Services call it once at startup for their kinds.
   */
  backfillSubjects(kinds: readonly string[], subjectsOf: (params: JsonValue, kind: string) => readonly string[]): Promise<number>;
  /** The job's events after `afterId`, in order (at most `limit`, default 256). */
  readEvents(jobId: string, afterId: number, limit?: number): Promise<JobEvent[]>;
  /** Replays the job's events after `afterId`, then follows live ones, until `signal` aborts. */
  watchEvents(jobId: string, afterId: number, signal: AbortSignal): AsyncGenerator<JobEvent>;
  /** Called (no arguments) when a job may have become claimable (queued); idle workers wake up. Returns unsubscribe. */
  subscribe(listener: () => void): () => void;
  close(): Promise<void>;
}
