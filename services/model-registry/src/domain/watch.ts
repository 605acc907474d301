/**
 * Alias watches: replay the audit log after a given event id, then follow the
 * live feed. The feed is subscribed to BEFORE the log is read, and events are
 * passed on only if their id is above the last one sent, so an event committed
 * while the replay runs is neither lost (it is buffered) nor sent twice.
 */
import { errors } from '@l1g1/kit';
import type { AliasEventFeed, RegistryStore } from './ports';
import type { AliasEventRecord } from './types';

/** Events read from the log per query while replaying. */
const REPLAY_BATCH = 500;
/** A watcher this far behind is cut off; it can resume from its last event id. */
export const MAX_PENDING_EVENTS = 10_000;

/** What a watch follows, and when it stops. */
export interface WatchOptions {
  store: RegistryStore;
  feed: AliasEventFeed;
  /** undefined: every model. */
  modelName?: string;
  afterEventId: number;
  /** The watch ends cleanly when any of these aborts (caller gone, registry closing). */
  signals: readonly AbortSignal[];
}

/**
 * Yields the log after `afterEventId` (filtered by model when given), then
 * live events, each exactly once and in id order; returns when a signal aborts.
 * Throws RESOURCE_EXHAUSTED when the consumer falls too far behind.
 */
export async function* watchAliasEvents(options: WatchOptions): AsyncGenerator<AliasEventRecord> {
  const { store, feed, modelName, signals } = options;
  const pending: AliasEventRecord[] = [];
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const unsubscribe = feed.subscribe((event) => {
    if (modelName !== undefined && event.modelName !== modelName) return;
    pending.push(event);
    notify();
  });
  for (const signal of signals) signal.addEventListener('abort', notify);
  const stopped = (): boolean => signals.some((s) => s.aborted);
  try {
    let lastSent = options.afterEventId;
    for (;;) {
      const batch = await store.aliasEventsAfter(lastSent, modelName, REPLAY_BATCH);
      for (const event of batch) {
        if (stopped()) return;
        yield event;
        lastSent = event.eventId;
      }
      if (batch.length < REPLAY_BATCH) break;
    }
    for (;;) {
      if (pending.length > MAX_PENDING_EVENTS) {
        throw errors.resourceExhausted(
          `the watcher fell more than ${MAX_PENDING_EVENTS} events behind; reconnect with after_event_id=${lastSent}`,
          1000,
          { reason: 'WATCH_TOO_SLOW', metadata: { last_event_id: String(lastSent) } },
        );
      }
      const event = pending.shift();
      if (event !== undefined) {
        if (event.eventId <= lastSent) continue;
        if (stopped()) return;
        yield event;
        lastSent = event.eventId;
        continue;
      }
      if (stopped()) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    unsubscribe();
    for (const signal of signals) signal.removeEventListener('abort', notify);
  }
}
