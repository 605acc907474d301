/**
 * AliasEventFeed within one process: enough while one registry process owns
 * the database. Several replicas over PostgreSQL would use LISTEN/NOTIFY.
 */
import { EventEmitter } from 'node:events';
import type { AliasEventFeed } from '../domain/ports';
import type { AliasEventRecord } from '../domain/types';

const EVENT = 'alias-event';

/** A feed whose subscribers are the watches of this process. */
export function createInProcessAliasFeed(): AliasEventFeed {
  const emitter = new EventEmitter();
  // Every open watch stream is one listener; there is no fixed bound to warn about.
  emitter.setMaxListeners(0);
  return {
    publish(event) {
      emitter.emit(EVENT, event);
    },
    subscribe(listener: (event: AliasEventRecord) => void) {
      emitter.on(EVENT, listener);
      return () => {
        emitter.off(EVENT, listener);
      };
    },
  };
}
