import type { ErrorKind } from '../errors';
import { L1g1Error } from '../errors';
import type { JobError } from './job';

export interface RetryPolicy {
  /** Delay before the second attempt; doubles each attempt. Default 1000. */
  baseDelayMs: number;
  /** Upper bound of one delay. Default 60000. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({ baseDelayMs: 1000, maxDelayMs: 60_000 });

/**
 * A caller's mistake stays a mistake however often it is retried; everything
 * else (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL,
 * unknown errors) may pass on a later attempt, as in Temporal's default
 * retry policy.
 */
const NON_RETRYABLE: ReadonlySet<ErrorKind> = new Set<ErrorKind>([
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'FAILED_PRECONDITION',
  'PERMISSION_DENIED',
  'UNAUTHENTICATED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'CANCELLED',
]);

export function isRetryable(err: unknown): boolean {
  return !(err instanceof L1g1Error && NON_RETRYABLE.has(err.kind));
}

/**
 * Exponential backoff with "equal jitter" (half fixed, half random), so
 * replicas that failed together do not retry together; never shorter than
 * the error's own retry-after.
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number, err: unknown, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const jittered = exp / 2 + (exp / 2) * random();
  const floor = err instanceof L1g1Error ? err.retryAfterMs : 0;
  return Math.round(Math.max(jittered, floor));
}

/**
 * The error a job record keeps: catalogue errors as they are; anything else
 * is a bug, recorded as INTERNAL with an incident id (the detail goes to the
 * log, never to the record a user reads).
 */
export function toJobError(err: unknown, incident: string): JobError {
  if (err instanceof L1g1Error) return { code: err.kind, message: err.message };
  return { code: 'INTERNAL', message: `internal error (incident ${incident})` };
}
