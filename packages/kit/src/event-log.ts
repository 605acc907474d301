/**
 * An ordered, append-only event log with replay-then-live watches.
 *
 * API (implementations: `createMemoryEventLog`, `createSqliteEventLog`):
 *
 *   interface EventLog<T> {
 *     append({ key, type, data }): Promise<LoggedEvent<T>>   // assigns the next id
 *     read(afterId, { key?, limit? }): Promise<LoggedEvent<T>[]>  // id order, ids > afterId
 *     watch(afterId, { key?, signal }): AsyncGenerator<LoggedEvent<T>>
 *        // replays every event after afterId, then follows live ones; each exactly
 *        // once, in id order, no gap; returns when `signal` aborts
 *     lastId(): Promise<number>   // 0 when empty
 *   }
 *   LoggedEvent<T> = { id, key, type, atMs, data }
 *
 * - Ids are positive, strictly increasing, never reused; `afterId = 0` means
 *   "from the start". A client that saw event N resumes with `afterId = N`.
 * - `key` groups events of one subject (a job id, a model name); read and
 *   watch can filter on it. `type` is the caller's event kind.
 * - Bounded: a watcher holds at most one read batch, whatever its speed (see
 *   `log-follow.ts`: writers wake watchers, watchers read the log). A log with
 *   retention (the memory log's `maxEvents`) answers a read or watch that
 *   starts before its oldest retained event with OUT_OF_RANGE
 *   (reason EVENTS_EXPIRED), and drops a watcher that falls behind it while
 *   following with RESOURCE_EXHAUSTED (reason WATCH_TOO_SLOW, metadata
 *   `last_event_id` to resume from) instead of buffering for it.
 * - The SQLite log also offers `appendSync`, for appending inside the
 *   caller's own better-sqlite3 transaction (state change and its event
 *   commit together); watchers are woken after the transaction returns.
 */
import { L1g1Error, errors } from './errors';

/** One event as stored. */
export interface LoggedEvent<T> {
  /** Position in the log: positive, strictly increasing, never reused. */
  id: number;
  /** The subject the event is about (job id, model name ...). */
  key: string;
  /** The caller's event kind. */
  type: string;
  /** When it was appended (ms since the epoch, from the log's clock). */
  atMs: number;
  data: T;
}

/** An event about to be appended. */
export interface NewEvent<T> {
  key: string;
  type: string;
  data: T;
}

/** Options of `read`. */
export interface ReadEventsOptions {
  /** Only events with this key. */
  key?: string;
  /** At most this many (default 256, capped at 10,000). */
  limit?: number;
}

/** Options of `watch`. */
export interface WatchEventsOptions {
  /** Only events with this key. */
  key?: string;
  /** The watch ends cleanly (the generator returns) when this aborts. */
  signal: AbortSignal;
}

/** An ordered append-only log; see the file comment for its guarantees. */
export interface EventLog<T> {
  append(event: NewEvent<T>): Promise<LoggedEvent<T>>;
  read(afterId: number, options?: ReadEventsOptions): Promise<LoggedEvent<T>[]>;
  watch(afterId: number, options: WatchEventsOptions): AsyncGenerator<LoggedEvent<T>>;
  /** The id of the newest event; 0 when the log is empty. */
  lastId(): Promise<number>;
}

/** Default and maximum number of events one read returns. */
export const DEFAULT_EVENT_READ_LIMIT = 256;
export const MAX_EVENT_READ_LIMIT = 10_000;

/** The read limit asked for, clamped to [1, MAX_EVENT_READ_LIMIT]. */
export function eventReadLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_EVENT_READ_LIMIT;
  return Math.max(1, Math.min(MAX_EVENT_READ_LIMIT, Math.floor(limit)));
}

/** Refuses an `afterId` that is not a non-negative safe integer (the field is named for the caller). */
export function checkAfterId(afterId: number, field = 'after_id'): void {
  if (!Number.isSafeInteger(afterId) || afterId < 0) {
    throw errors.invalidArgument(field, 'must be a non-negative integer event id');
  }
}

/** The error for a read that starts before the oldest retained event. */
export function eventsExpired(afterId: number, oldestId: number): L1g1Error {
  return new L1g1Error(
    'OUT_OF_RANGE',
    `events after ${afterId} are no longer retained (the oldest kept is ${oldestId}); start again from ${oldestId - 1} or later`,
    { reason: 'EVENTS_EXPIRED', metadata: { oldest_event_id: String(oldestId) } },
  );
}

/** The error for a watcher that fell behind the log's retention while following. */
export function watchTooSlow(lastEventId: number): L1g1Error {
  return errors.resourceExhausted(
    `the watcher fell behind the retained log; resume from event ${lastEventId} (events may have been discarded)`,
    1000,
    { reason: 'WATCH_TOO_SLOW', metadata: { last_event_id: String(lastEventId) } },
  );
}
