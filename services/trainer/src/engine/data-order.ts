import { createSeededRandom } from './seeded-random';

/**
 * The order in which an epoch visits `n` examples: a Fisher–Yates shuffle seeded from the run's
 * data seed and the epoch number alone. A resumed run therefore needs only (seed, epoch,
 * position) to continue with exactly the examples the uninterrupted run would have seen next.
 */
export function epochPermutation(n: number, seed: number, epoch: number): Uint32Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  // mix the epoch into the seed (golden-ratio increment) so consecutive epochs are unrelated
  const rng = createSeededRandom((seed ^ Math.imul(epoch + 1, 0x9e3779b9)) >>> 0);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const tmp = order[i] as number;
    order[i] = order[j] as number;
    order[j] = tmp;
  }
  return order;
}
