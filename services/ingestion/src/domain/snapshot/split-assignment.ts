import { errors } from '@l1g1/kit';
import { unitHash } from './stable-hash';
import type { StoredRecord } from './stored-record';

/** The proto's SplitSpec in domain terms. */
export interface SplitSpecInput {
  /** split name -> fraction; must sum to 1 (± 1e-9). */
  fractions: Readonly<Record<string, number>>;
  /** Metadata key to stratify on; empty: no stratification. */
  stratifyBy?: string;
  /** Default 42. */
  seed?: number;
}

export const DEFAULT_SPLIT_SEED = 42;
const FRACTION_TOLERANCE = 1e-9;
const SPLIT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A validated split spec: split names sorted, so map order in a request never changes the result. */
export interface SplitSpec {
  readonly splits: readonly { name: string; fraction: number }[];
  readonly stratifyBy: string;
  readonly seed: number;
}

/** Checks a SplitSpec: INVALID_ARGUMENT naming `<field>.fractions` / `<field>.seed` otherwise. */
export function validateSplitSpec(input: SplitSpecInput, field = 'split'): SplitSpec {
  const entries = Object.entries(input.fractions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) throw errors.invalidArgument(`${field}.fractions`, 'name at least one split, e.g. {"train": 0.8, "test": 0.2}');
  let sum = 0;
  for (const [name, fraction] of entries) {
    if (!SPLIT_NAME.test(name)) throw errors.invalidArgument(`${field}.fractions`, `split name "${name}" must match ${SPLIT_NAME.source}`);
    if (!Number.isFinite(fraction) || fraction < 0 || fraction > 1) {
      throw errors.invalidArgument(`${field}.fractions`, `fraction of "${name}" must be in [0, 1], got ${fraction}`);
    }
    sum += fraction;
  }
  if (Math.abs(sum - 1) > FRACTION_TOLERANCE) throw errors.invalidArgument(`${field}.fractions`, `must sum to 1, got ${sum}`);
  const seed = input.seed ?? DEFAULT_SPLIT_SEED;
  if (!Number.isSafeInteger(seed)) throw errors.invalidArgument(`${field}.seed`, `must be an integer, got ${seed}`);
  return { splits: entries.map(([name, fraction]) => ({ name, fraction })), stratifyBy: input.stratifyBy ?? '', seed };
}

/** Decides a record's split once every record has been seen. */
export interface SplitAssigner {
  splitOf(id: string, metadata: Readonly<Record<string, string>>): string;
  /** Records per split, over what the planner saw. */
  readonly counts: Readonly<Record<string, number>>;
}

/** First pass of a split: sees every record's id and stratum, then yields the assigner. */
export interface SplitPlanner {
  add(id: string, metadata: Readonly<Record<string, string>>): void;
  finish(): SplitAssigner;
}

/**
 * Deterministic stratified splits (Hugging Face `train_test_split` with
 * `stratify_by_column`, made order-free): each record's position is
 * {@link unitHash}(id, seed); within each stratum (the value of
 * `stratifyBy`, or one stratum) records are ordered by position and cut at
 * round(n × cumulative fraction), so every split gets its share of every
 * label, and the same seed gives the same assignment on every run.
 *
 * Memory: one float64 per record (the position), grouped by stratum — the
 * ids themselves are not kept; the assigner recomputes the hash and compares
 * it with the stratum's cut points.
 */
export function createSplitPlanner(spec: SplitSpec): SplitPlanner {
  const positions = new Map<string, number[]>();
  const stratumOf = (metadata: Readonly<Record<string, string>>): string => (spec.stratifyBy ? (metadata[spec.stratifyBy] ?? '') : '');
  const position = (id: string): number => unitHash(id, spec.seed, 'split');
  return {
    add(id, metadata) {
      const stratum = stratumOf(metadata);
      let list = positions.get(stratum);
      if (list === undefined) positions.set(stratum, (list = []));
      list.push(position(id));
    },
    finish() {
      // Per stratum: the position below which each split ends (the last split takes the rest).
      const cuts = new Map<string, number[]>();
      const counts: Record<string, number> = Object.fromEntries(spec.splits.map((s) => [s.name, 0]));
      for (const [stratum, list] of positions) {
        const sorted = Float64Array.from(list).sort();
        const n = sorted.length;
        const bounds: number[] = [];
        let cumulative = 0;
        let previousIndex = 0;
        spec.splits.forEach((split, i) => {
          cumulative += split.fraction;
          const index = i === spec.splits.length - 1 ? n : Math.min(n, Math.round(n * cumulative));
          counts[split.name] = (counts[split.name] ?? 0) + (index - previousIndex);
          previousIndex = index;
          // A record belongs to the first split whose bound exceeds its position.
          bounds.push(index >= n ? Number.POSITIVE_INFINITY : (sorted[index] ?? Number.POSITIVE_INFINITY));
        });
        cuts.set(stratum, bounds);
      }
      positions.clear();
      return {
        counts,
        splitOf(id, metadata) {
          const bounds = cuts.get(stratumOf(metadata));
          if (bounds === undefined) throw new Error(`split planner never saw stratum of record ${id}`);
          const p = position(id);
          const i = bounds.findIndex((bound) => p < bound);
          return (spec.splits[i === -1 ? spec.splits.length - 1 : i] as { name: string }).name;
        },
      };
    },
  };
}

/** In-memory convenience: every record with metadata `split` set by {@link createSplitPlanner}. */
export function assignSplits(records: readonly StoredRecord[], spec: SplitSpec): StoredRecord[] {
  const planner = createSplitPlanner(spec);
  for (const r of records) planner.add(r.id, r.metadata);
  const assigner = planner.finish();
  return records.map((r) => ({ ...r, metadata: { ...r.metadata, split: assigner.splitOf(r.id, r.metadata) } }));
}
