/**
 * EventLog kept in memory: for tests and for logs that need not survive a
 * restart. Keeps the newest `maxEvents` events; older ones are discarded and
 * reading from before them is refused (EVENTS_EXPIRED), so memory is bounded.
 */
import {
  checkAfterId,
  eventReadLimit,
  eventsExpired,
  watchTooSlow,
  type EventLog,
  type LoggedEvent,
  type NewEvent,
  type ReadEventsOptions,
  type WatchEventsOptions,
} from './event-log';
import { L1g1Error } from './errors';
import { createLogWakeup, followLog } from './log-follow';

/** Options of `createMemoryEventLog`. */
export interface MemoryEventLogOptions {
  /** Events retained (default 10,000). */
  maxEvents?: number;
  /** Clock for `atMs` (default Date.now). */
  now?: () => number;
}

/** A bounded in-memory event log. */
export function createMemoryEventLog<T>(options: MemoryEventLogOptions = {}): EventLog<T> {
  const maxEvents = options.maxEvents ?? 10_000;
  if (!Number.isSafeInteger(maxEvents) || maxEvents < 1) throw new RangeError('maxEvents must be a positive integer');
  const now = options.now ?? Date.now;
  const events: LoggedEvent<T>[] = [];
  let nextId = 1;
  const wakeup = createLogWakeup();

  /** The matching events after `afterId`, and the id of the last event examined (non-matching ones included). */
  function readSync(
    afterId: number,
    key: string | undefined,
    limit: number,
  ): { events: LoggedEvent<T>[]; scannedTo: number } {
    const oldest = events[0];
    // Events in (afterId, oldest.id) were discarded: answering without them would be a silent gap.
    if (oldest !== undefined && afterId < oldest.id - 1) throw eventsExpired(afterId, oldest.id);
    if (oldest === undefined && afterId < nextId - 1) throw eventsExpired(afterId, nextId);
    const out: LoggedEvent<T>[] = [];
    let scannedTo = afterId;
    // Ids are dense within the array, so the first candidate's index is computable.
    const start = oldest === undefined ? 0 : Math.max(0, afterId + 1 - oldest.id);
    for (let i = start; i < events.length && out.length < limit; i++) {
      const event = events[i] as LoggedEvent<T>;
      scannedTo = event.id;
      if (key === undefined || event.key === key) out.push(event);
    }
    return { events: out, scannedTo };
  }

  return {
    async append(event: NewEvent<T>) {
      const logged: LoggedEvent<T> = { id: nextId++, key: event.key, type: event.type, atMs: now(), data: event.data };
      events.push(logged);
      if (events.length > maxEvents) events.splice(0, events.length - maxEvents);
      wakeup.notify();
      return logged;
    },
    async read(afterId: number, readOptions: ReadEventsOptions = {}) {
      checkAfterId(afterId);
      return readSync(afterId, readOptions.key, eventReadLimit(readOptions.limit)).events;
    },
    async *watch(afterId: number, watchOptions: WatchEventsOptions) {
      checkAfterId(afterId);
      let started = false;
      let lastSeen = afterId;
      // With a key filter, events of other keys already examined need not be
      // retained for this watcher: it is only "behind" if unexamined ones expired.
      let scannedTo = afterId;
      const follow = followLog<LoggedEvent<T>>({
        afterId,
        wakeup,
        signal: watchOptions.signal,
        read: async (after, limit) => {
          try {
            const result = readSync(Math.max(after, scannedTo), watchOptions.key, limit);
            scannedTo = result.scannedTo;
            return result.events;
          } catch (err: unknown) {
            // Expired while following (not at the start): the watcher was too slow.
            if (started && err instanceof L1g1Error && err.reason === 'EVENTS_EXPIRED') throw watchTooSlow(lastSeen);
            throw err;
          }
        },
      });
      for await (const event of follow) {
        started = true;
        lastSeen = event.id;
        yield event;
      }
    },
    async lastId() {
      return nextId - 1;
    },
  };
}
