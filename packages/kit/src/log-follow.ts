/**
 * Replay-then-live over any ordered log with increasing integer ids.
 *
 * The follower does not keep a per-watcher queue of pushed events (that is
 * where an unbounded backlog builds up for a slow consumer). Instead writers
 * only *wake* followers, and a follower reads `id > lastSent` from the log
 * itself, one bounded batch at a time, at its consumer's pace. So:
 *   - no gap: the wake-up is subscribed before the first read, and a wake-up
 *     that arrives while a read is running forces another read;
 *   - no duplicate: only ids above the last one yielded are read;
 *   - bounded memory: at most `batchSize` events are held per follower,
 *     whatever the consumer's speed; a log that drops old events (retention)
 *     reports a follower that fell behind it with a clear error instead.
 *
 * Used by kit's event logs and by any service whose log is its own table
 * (the registry's alias audit log).
 */
import { checkAfterId, eventReadLimit, type EventLog, type LoggedEvent, type ReadEventsOptions, type WatchEventsOptions } from './event-log';

/** Wakes followers after an append has become visible to readers. */
export interface LogWakeup {
  /** Returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
  /**
   * Wakes every follower on the next microtask, i.e. after the current
   * synchronous code (a better-sqlite3 transaction in progress) has finished.
   */
  notify(): void;
}

/** An in-process wake-up channel; followers in other processes need `pollIntervalMs`. */
export function createLogWakeup(): LogWakeup {
  const listeners = new Set<() => void>();
  let scheduled = false;
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    notify() {
      if (scheduled) return;
      scheduled = true;
      queueMicrotask(() => {
        scheduled = false;
        for (const listener of [...listeners]) listener();
      });
    },
  };
}

/** What `followLog` needs. */
export interface FollowLogOptions<E extends { id: number }> {
  /** Yield events with an id strictly above this one. */
  afterId: number;
  /** Up to `limit` events with an id above `afterId`, in id order. */
  read(afterId: number, limit: number): Promise<readonly E[]>;
  /** Only `subscribe` is used: any "something was appended" channel fits. */
  wakeup: Pick<LogWakeup, 'subscribe'>;
  /** The follow ends (the generator returns) when this aborts. */
  signal: AbortSignal;
  /** Events read per query; also the most a follower holds at once. Default 256. */
  batchSize?: number;
  /**
   * Also re-read this often when nothing woke the follower (writers in another
   * process sharing the same database). 0 or absent: only wake-ups.
   */
  pollIntervalMs?: number;
}

/**
 * Yields every event after `afterId`, then follows new ones live, each exactly
 * once and in id order, until `signal` aborts. Errors from `read` propagate.
 */
export async function* followLog<E extends { id: number }>(options: FollowLogOptions<E>): AsyncGenerator<E> {
  const { read, wakeup, signal } = options;
  const batchSize = options.batchSize ?? 256;
  const pollIntervalMs = options.pollIntervalMs ?? 0;
  let dirty = false;
  let wake: (() => void) | undefined;
  const onWake = (): void => {
    dirty = true;
    const w = wake;
    wake = undefined;
    w?.();
  };
  const unsubscribe = wakeup.subscribe(onWake);
  signal.addEventListener('abort', onWake);
  let lastSent = options.afterId;
  try {
    for (;;) {
      if (signal.aborted) return;
      dirty = false;
      const batch = await read(lastSent, batchSize);
      for (const event of batch) {
        if (signal.aborted) return;
        // A log must answer in id order above `afterId`; anything else would duplicate.
        if (event.id <= lastSent) continue;
        yield event;
        lastSent = event.id;
      }
      if (batch.length >= batchSize || dirty) continue;
      if (signal.aborted) return;
      await new Promise<void>((resolve) => {
        let timer: NodeJS.Timeout | undefined;
        wake = () => {
          if (timer !== undefined) clearTimeout(timer);
          resolve();
        };
        if (pollIntervalMs > 0) {
          timer = setTimeout(() => {
            wake = undefined;
            resolve();
          }, pollIntervalMs);
          timer.unref();
        }
      });
    }
  } finally {
    unsubscribe();
    signal.removeEventListener('abort', onWake);
  }
}

/**
 * `read` and `watch` of an event log kept in a store that answers "events
 * after id" (SQLite, PostgreSQL): argument checks, the read limit, and the
 * replay-then-live follow, written once for every such store.
 */
export function storedEventReaders<T>(
  readRows: (afterId: number, key: string | undefined, limit: number) => Promise<LoggedEvent<T>[]> | LoggedEvent<T>[],
  wakeup: Pick<LogWakeup, 'subscribe'>,
  pollIntervalMs?: number,
): Pick<EventLog<T>, 'read' | 'watch'> {
  return {
    async read(afterId: number, readOptions: ReadEventsOptions = {}) {
      checkAfterId(afterId);
      return readRows(afterId, readOptions.key, eventReadLimit(readOptions.limit));
    },
    async *watch(afterId: number, watchOptions: WatchEventsOptions) {
      checkAfterId(afterId);
      yield* followLog<LoggedEvent<T>>({
        afterId,
        wakeup,
        signal: watchOptions.signal,
        ...(pollIntervalMs === undefined ? {} : { pollIntervalMs }),
        read: async (after, limit) => readRows(after, watchOptions.key, limit),
      });
    },
  };
}
