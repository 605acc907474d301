import { errors } from '@l1g1/kit';
import type { FileSource } from '../record';

export interface PeekedSource {
  /** The first bytes (at most the requested count). */
  head: Uint8Array;
  /** True when `head` is the whole file. */
  whole: boolean;
  /** The same file, its bytes replayed from the start: the one to hand on (the original's stream is spent). */
  source: FileSource;
  /**
   * Lets go of the original stream when the replay was never read to its
   * end (no parser, a parser that failed): the original's own cleanup runs
   * (an archive entry closes, an upload skips to its next file).
   */
  release(): Promise<void>;
}

/** Collects a stream into one buffer, refusing past `maxBytes` (naming the file and the limit). */
export async function collectBytes(name: string, chunks: AsyncIterable<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of chunks) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      throw errors.invalidArgument('file', `${name} is larger than ${maxBytes} bytes, the most this format reads whole`, {
        reason: 'FILE_TOO_LARGE',
        metadata: { file: name, limit: 'max_bytes', limit_value: String(maxBytes) },
      });
    }
    parts.push(chunk);
  }
  return Buffer.concat(parts, total);
}

/**
 * Reads a file's first `bytes` without losing them: detection looks at the
 * head, the parser then gets a source that streams from byte 0. Only the
 * head is held in memory, whatever the file's size.
 */
export async function peekSource(source: FileSource, bytes: number): Promise<PeekedSource> {
  const iterator = source.stream()[Symbol.asyncIterator]();
  const held: Uint8Array[] = [];
  let heldBytes = 0;
  let done = false;
  while (heldBytes < bytes) {
    const next = await iterator.next();
    if (next.done === true) {
      done = true;
      break;
    }
    held.push(next.value);
    heldBytes += next.value.byteLength;
  }
  const all = Buffer.concat(held, heldBytes);
  const head = all.subarray(0, Math.min(bytes, heldBytes));
  let streamed = false;
  let released = done;
  const release = async (): Promise<void> => {
    if (released) return;
    released = true;
    await iterator.return?.();
  };
  async function* replay(): AsyncGenerator<Uint8Array> {
    if (streamed) throw new Error(`${source.name}: stream() may be called once`);
    streamed = true;
    try {
      if (heldBytes > 0) yield all;
      if (done) return;
      for (;;) {
        const next = await iterator.next();
        if (next.done === true) {
          released = true;
          return;
        }
        yield next.value;
      }
    } finally {
      // Stopped early (a parser broke out of its loop or failed): hand the abandonment on.
      await release();
    }
  }
  const replayed: FileSource = {
    name: source.name,
    ...(source.sizeBytes !== undefined ? { sizeBytes: source.sizeBytes } : {}),
    stream: () => replay(),
    readAll: (maxBytes) => collectBytes(source.name, replay(), maxBytes),
  };
  return { head, whole: done && heldBytes <= bytes, source: replayed, release };
}
