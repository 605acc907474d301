/**
 * Alias watches: the audit log after a given event id, then live events,
 * through kit's `followLog`. The feed only wakes the watch; the events
 * themselves are read from the log, one bounded batch at a time, so a slow
 * watcher costs no memory (it just reads further behind) and an event
 * committed while the replay runs is neither lost nor sent twice.
 */
import { followLog } from '@l1g1/kit';
import type { AliasEventFeed, RegistryStore } from './ports';
import type { AliasEventRecord } from './types';

/** Events read from the log per query (and the most a watch holds at once). */
const READ_BATCH = 256;

/** What a watch follows, and when it stops. */
export interface WatchOptions {
  store: RegistryStore;
  feed: AliasEventFeed;
  /** undefined: every model. */
  modelName?: string;
  afterEventId: number;
  /** The watch ends cleanly when this aborts (caller gone, registry closing). */
  signal: AbortSignal;
}

/**
 * Yields the log after `afterEventId` (filtered by model when given), then
 * live events, each exactly once and in id order; returns when the signal aborts.
 */
export async function* watchAliasEvents(options: WatchOptions): AsyncGenerator<AliasEventRecord> {
  const { store, feed, modelName, signal } = options;
  const entries = followLog({
    afterId: options.afterEventId,
    signal,
    batchSize: READ_BATCH,
    wakeup: { subscribe: (wake) => feed.subscribe(wake) },
    read: async (afterId, limit) =>
      (await store.aliasEventsAfter(afterId, modelName, limit)).map((event) => ({ id: event.eventId, event })),
  });
  for await (const entry of entries) yield entry.event;
}
