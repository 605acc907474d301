/**
 * A bounded count of things in progress (requests, large bodies, SSE
 * streams). Acquiring never waits: a full pool is an answer (429), not a
 * queue, because a queue in front of an overloaded process only turns
 * refusals into timeouts.
 */
export interface SlotPool {
  readonly limit: number;
  readonly inUse: number;
  /** Takes a slot; returns its release function (idempotent), or undefined when full. */
  tryAcquire(): (() => void) | undefined;
}

export function createSlotPool(limit: number): SlotPool {
  let inUse = 0;
  return {
    limit,
    get inUse() {
      return inUse;
    },
    tryAcquire() {
      if (inUse >= limit) return undefined;
      inUse++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        inUse--;
      };
    },
  };
}
