/**
 * AliasEventFeed within one process: enough while one registry process owns
 * the database (SQLite). Replicas on PostgreSQL use postgres-alias-feed.ts.
 */
import { EventEmitter } from 'node:events';
import type { AliasEventFeed } from '../domain/ports';

const EVENT = 'alias-event';

/** A feed whose subscribers are the watches of this process. */
export function createInProcessAliasFeed(): AliasEventFeed {
  const emitter = new EventEmitter();
  // Every open watch stream is one listener; there is no fixed bound to warn about.
  emitter.setMaxListeners(0);
  return {
    publish() {
      emitter.emit(EVENT);
    },
    subscribe(listener: () => void) {
      emitter.on(EVENT, listener);
      return () => {
        emitter.off(EVENT, listener);
      };
    },
  };
}
