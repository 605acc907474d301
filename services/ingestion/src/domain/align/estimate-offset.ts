import type { TimedEntry } from './timed-stream';
import { nearestIndex } from './timed-stream';

/** Bounds of the offset search, so a pathological stream costs a known amount of work. */
export interface OffsetSearchLimits {
  /** Offsets considered lie in [-maxOffsetUs, +maxOffsetUs]. */
  readonly maxOffsetUs: number;
  /** Stream records sampled (evenly) to vote and to score candidates. */
  readonly sampleSize: number;
  /** Best-voted offset bins scored by their median |delta|. */
  readonly candidates: number;
}

export const DEFAULT_OFFSET_SEARCH: OffsetSearchLimits = { maxOffsetUs: 60_000_000, sampleSize: 2000, candidates: 16 };

export interface OffsetEstimate {
  /** Add to the stream's times to put them on the anchor's clock. */
  readonly offsetUs: number;
  /** Median |delta| of nearest matches at that offset (its score; lower is better). */
  readonly medianAbsDeltaUs: number;
  /** Sampled records within the tolerance at that offset. */
  readonly inliers: number;
}

function evenSample<T>(items: readonly T[], size: number): T[] {
  if (items.length <= size) return [...items];
  const step = items.length / size;
  return Array.from({ length: size }, (_, i) => items[Math.floor(i * step)] as T);
}

function median(values: number[]): number {
  if (values.length === 0) return Number.POSITIVE_INFINITY;
  values.sort((a, b) => a - b);
  const mid = values.length >>> 1;
  return values.length % 2 === 1 ? (values[mid] as number) : ((values[mid - 1] as number) + (values[mid] as number)) / 2;
}

function medianAbsDelta(anchor: readonly TimedEntry[], sample: readonly TimedEntry[], offsetUs: number): number {
  const deltas = sample.map((e) => {
    const t = e.startUs + offsetUs;
    const i = nearestIndex(anchor, t);
    return i === undefined ? Number.POSITIVE_INFINITY : Math.abs((anchor[i] as TimedEntry).startUs - t);
  });
  return median(deltas);
}

/**
 * Estimates a stream's clock offset against the anchor, robustly:
 *
 * 1. Vote: for a bounded, evenly spread sample of the stream, every anchor
 *    record within ±maxOffset gives a candidate offset (anchor − stream); the
 *    candidates fall in bins one tolerance wide. A true offset makes many
 *    pairs agree, so its bin collects votes from most records, while chance
 *    pairs spread evenly over the range.
 * 2. Score: the most-voted bins (and their neighbours' centres) are each
 *    scored by the MEDIAN absolute delta of nearest matches over the sample
 *    at that offset; the median ignores up to half the records being
 *    outliers (missing segments, extra cues), which a mean would not.
 * 3. Refine: at the best candidate, the offset becomes the median of the
 *    pairwise differences of the matches within the tolerance, which removes
 *    the bin's quantisation and is again robust to jitter outliers.
 *
 * The work is bounded by sampleSize × (anchor records within the range) for
 * the vote and sampleSize × candidates × log(anchor) for the scoring.
 * Returns undefined when either stream has no timed records.
 */
export function estimateClockOffset(
  anchor: readonly TimedEntry[],
  stream: readonly TimedEntry[],
  toleranceUs: number,
  limits: OffsetSearchLimits = DEFAULT_OFFSET_SEARCH,
): OffsetEstimate | undefined {
  if (anchor.length === 0 || stream.length === 0) return undefined;
  const sample = evenSample(stream, limits.sampleSize);
  const binWidth = Math.max(1, toleranceUs);
  const votes = new Map<number, number>();
  // Bound the vote work itself: a very dense anchor stops adding pairs after this many.
  const maxVotes = limits.sampleSize * 512;
  let cast = 0;
  for (const e of sample) {
    let lo = 0;
    let hi = anchor.length;
    const from = e.startUs - limits.maxOffsetUs;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((anchor[mid] as TimedEntry).startUs < from) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < anchor.length && cast < maxVotes; i += 1) {
      const diff = (anchor[i] as TimedEntry).startUs - e.startUs;
      if (diff > limits.maxOffsetUs) break;
      const bin = Math.round(diff / binWidth);
      votes.set(bin, (votes.get(bin) ?? 0) + 1);
      cast += 1;
    }
  }
  if (votes.size === 0) return undefined;
  const topBins = [...votes.entries()]
    .sort((a, b) => b[1] - a[1] || Math.abs(a[0]) - Math.abs(b[0]))
    .slice(0, limits.candidates)
    .map(([bin]) => bin);
  let best: { offsetUs: number; score: number } | undefined;
  for (const bin of topBins) {
    for (const candidate of [bin * binWidth, (bin - 0.5) * binWidth, (bin + 0.5) * binWidth]) {
      if (Math.abs(candidate) > limits.maxOffsetUs) continue;
      const score = medianAbsDelta(anchor, sample, candidate);
      if (best === undefined || score < best.score || (score === best.score && Math.abs(candidate) < Math.abs(best.offsetUs))) {
        best = { offsetUs: candidate, score };
      }
    }
  }
  if (best === undefined) return undefined;
  const diffs: number[] = [];
  for (const e of sample) {
    const t = e.startUs + best.offsetUs;
    const i = nearestIndex(anchor, t);
    if (i === undefined) continue;
    const a = anchor[i] as TimedEntry;
    if (Math.abs(a.startUs - t) <= toleranceUs) diffs.push(a.startUs - e.startUs);
  }
  const offsetUs = diffs.length > 0 ? Math.round(median(diffs)) : Math.round(best.offsetUs);
  return { offsetUs, medianAbsDeltaUs: medianAbsDelta(anchor, sample, offsetUs), inliers: diffs.length };
}
