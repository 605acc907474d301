/**
 * A per-key async mutex: operations on one key run one after another, in
 * call order; different keys do not wait for each other; a failed operation
 * does not block the next. E.g. the registry's blob commits and blob garbage
 * collection take the lock of the blob's sha256, so "is this blob still
 * referenced? then delete it" cannot interleave with an upload about to
 * reference the same content. A few lines, so written here rather than
 * adding a dependency.
 */
export interface KeyedLock {
  run<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

/** A new lock table; keys are independent of each other. */
export function createKeyedLock(): KeyedLock {
  const tails = new Map<string, Promise<unknown>>();
  return {
    async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
      const previous = tails.get(key) ?? Promise.resolve();
      const result = previous.then(fn, fn);
      const tail = result.then(
        () => undefined,
        () => undefined,
      );
      tails.set(key, tail);
      try {
        return await result;
      } finally {
        // Forget the key once nobody queued behind us, so the map stays small.
        if (tails.get(key) === tail) tails.delete(key);
      }
    },
  };
}
