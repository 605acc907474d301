import { createSeededRandom } from './seeded-random';

/**
 * Shuffles a stream with a bounded buffer (tf.data's `shuffle(bufferSize, seed)` algorithm): at
 * most `bufferSize` items are held. The output order is a pure function of the input order,
 * the seed and the epoch, so a resumed run re-reads its epoch and skips the examples it had
 * already consumed to continue exactly. A buffer at least as large as the data gives a full shuffle.
 */
export async function* shuffled<T>(source: AsyncIterable<T>, bufferSize: number, seed: number, epoch: number): AsyncGenerator<T> {
  if (!Number.isSafeInteger(bufferSize) || bufferSize < 1) throw new RangeError(`bufferSize must be a positive integer, got ${bufferSize}`);
  const rng = createSeededRandom((seed ^ Math.imul(epoch + 1, 0x85ebca6b)) >>> 0);
  const buffer: T[] = [];
  for await (const item of source) {
    if (buffer.length < bufferSize) {
      buffer.push(item);
      continue;
    }
    const j = rng.nextInt(buffer.length);
    const out = buffer[j] as T;
    buffer[j] = item;
    yield out;
  }
  while (buffer.length > 0) {
    const j = rng.nextInt(buffer.length);
    const out = buffer[j] as T;
    buffer[j] = buffer[buffer.length - 1] as T;
    buffer.pop();
    yield out;
  }
}
