import { errors } from '@l1g1/kit';
import type { StoredRecord } from '../snapshot/stored-record';

export type DpAggregateName = 'count' | 'sum' | 'mean';

/** One noisy aggregate, as the request gives it (validated by {@link validateDpQueries}). */
export interface DpQuerySpec {
  readonly name: string;
  readonly aggregate: DpAggregateName | undefined;
  /** Metadata key holding a number (SUM, MEAN). */
  readonly field: string;
  readonly lowerBound: number;
  readonly upperBound: number;
  readonly epsilon: number;
  /** Metadata key to group by; empty: ungrouped. */
  readonly groupBy: string;
  /** The groups released; required with groupBy, never learnt from the data. */
  readonly groups: readonly string[];
  /** Which records the query covers; undefined: all. */
  readonly matches?: (record: StoredRecord) => boolean;
}

export const DP_LIMITS = { maxQueries: 32, maxGroups: 1000, maxNameChars: 128 } as const;

/** Checks every query, naming `queries[i].<field>` at fault; answers the total ε the request costs. */
export function validateDpQueries(queries: readonly DpQuerySpec[]): number {
  if (queries.length === 0) throw errors.invalidArgument('queries', 'at least one query is needed');
  if (queries.length > DP_LIMITS.maxQueries) throw errors.invalidArgument('queries', `at most ${DP_LIMITS.maxQueries} queries per call`);
  const names = new Set<string>();
  let total = 0;
  queries.forEach((q, i) => {
    const at = (f: string): string => `queries[${i}].${f}`;
    if (q.name.length === 0 || q.name.length > DP_LIMITS.maxNameChars) throw errors.invalidArgument(at('name'), `must be 1-${DP_LIMITS.maxNameChars} characters`);
    if (names.has(q.name)) throw errors.invalidArgument(at('name'), `repeats the query name ${q.name}`);
    names.add(q.name);
    if (q.aggregate === undefined) throw errors.invalidArgument(at('aggregate'), 'must be count, sum or mean');
    if (!(Number.isFinite(q.epsilon) && q.epsilon > 0)) throw errors.invalidArgument(at('epsilon'), 'must be a finite number > 0');
    if (q.aggregate !== 'count') {
      if (q.field.length === 0) throw errors.invalidArgument(at('field'), `is required for ${q.aggregate}`);
      if (!(Number.isFinite(q.lowerBound) && Number.isFinite(q.upperBound) && q.lowerBound < q.upperBound)) {
        throw errors.invalidArgument(at('lower_bound'), 'lower_bound and upper_bound must be finite with lower_bound < upper_bound');
      }
    }
    // The largest Laplace scale the query draws with (a mean spends ε/2 on its sum and ε/2 on its count).
    // Past Number.MAX_VALUE the noise is Infinity and the "released" figure meaningless (it came back as 0).
    const sensitivity = q.aggregate === 'count' ? 1 : Math.max(1, Math.abs(q.lowerBound), Math.abs(q.upperBound));
    if (!Number.isFinite(sensitivity / (q.aggregate === 'mean' ? q.epsilon / 2 : q.epsilon))) {
      throw errors.invalidArgument(at('epsilon'), `is too small for the bounds: the noise scale (sensitivity / epsilon) overflows; raise epsilon or narrow lower_bound and upper_bound`);
    }
    if (q.groupBy.length > 0) {
      if (q.groups.length === 0) throw errors.invalidArgument(at('groups'), 'must list the groups to release (learning them from the data would leak)');
      if (q.groups.length > DP_LIMITS.maxGroups) throw errors.invalidArgument(at('groups'), `at most ${DP_LIMITS.maxGroups} groups`);
      if (new Set(q.groups).size !== q.groups.length) throw errors.invalidArgument(at('groups'), 'must not repeat a group');
    } else if (q.groups.length > 0) {
      throw errors.invalidArgument(at('groups'), 'groups are only taken with group_by');
    }
    total += q.epsilon;
  });
  return total;
}
