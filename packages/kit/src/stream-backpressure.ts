/**
 * Writing to a stream without buffering without bound: the one home of the
 * "write returned false: wait for 'drain'" rule (it was copied in the
 * registry's handlers, the inference artifact cache and the gateway's upload
 * and download routes). Two shapes:
 *   - `writeWithBackpressure`: in an async loop, await each write;
 *   - `pauseUntilDrained`: in an event relay (source 'data' -> sink), pause
 *     the source until the sink drained.
 * Both also give up waiting when the sink closes or errors, or a signal
 * aborts, so a vanished reader never leaves a writer hanging.
 */

/** What waiting for a drain needs from a writable (a Node Writable, a grpc-js call, an http response). */
export interface DrainableSink<T> {
  write(chunk: T): boolean;
  once(event: 'drain' | 'close' | 'error', listener: () => void): unknown;
  off(event: 'drain' | 'close' | 'error', listener: () => void): unknown;
}

/** A readable that can be paused (a Node Readable, a grpc-js call, an http request). */
export interface PausableSource {
  pause(): unknown;
  resume(): unknown;
}

/** Resolves when `sink` drains, closes or errors, or `signal` aborts. */
export function waitForDrain(sink: Pick<DrainableSink<unknown>, 'once' | 'off'>, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      sink.off('drain', done);
      sink.off('close', done);
      sink.off('error', done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    sink.once('drain', done);
    sink.once('close', done);
    sink.once('error', done);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Writes one chunk; when the sink's buffer is full, waits until it drains
 * (or closes, or `signal` aborts) before resolving, so the caller produces
 * the next chunk only as fast as the reader takes them. Does not write once
 * `signal` has aborted.
 */
export async function writeWithBackpressure<T>(sink: DrainableSink<T>, chunk: T, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return;
  if (sink.write(chunk)) return;
  await waitForDrain(sink, signal);
}

/**
 * For relays: after a `write` that returned false, call this to pause
 * `source` until `sink` drains (or closes or errors), then resume it.
 */
export function pauseUntilDrained(source: PausableSource, sink: Pick<DrainableSink<unknown>, 'once' | 'off'>): void {
  source.pause();
  void waitForDrain(sink).then(() => source.resume());
}
