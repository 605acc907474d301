import { errors } from '@l1g1/kit';
import { laplaceScale, sampleLaplace } from '../privacy/noise-mechanisms';
import type { RandomSource } from '../privacy/random-source';
import type { StoredRecord } from '../snapshot/stored-record';
import { validateDpQueries, type DpQuerySpec } from './dp-query';

/** The part of the metadata store DP statistics need (CORE's IngestionStore fits it). */
export interface PrivacyLedger {
  /** Spends ε atomically, or grants nothing when it would pass the total; undefined: no such dataset. */
  spendPrivacyBudget(spend: { dataset: string; epsilon: number; query: string; actor: string; atMs: number }): Promise<
    { granted: boolean; spent: number; total: number } | undefined
  >;
}

export interface DpValueOut {
  /** Empty when ungrouped. */
  readonly group: string;
  readonly value: number;
  /** Laplace scale b of the noise in `value` (MEAN: of the noisy sum, divided by the noisy count). */
  readonly noiseScale: number;
}

export interface DpResultOut {
  readonly name: string;
  readonly values: readonly DpValueOut[];
  readonly epsilonSpent: number;
}

export interface DpStatisticsOutcome {
  readonly results: readonly DpResultOut[];
  readonly epsilonSpent: number;
  readonly budgetRemaining: number;
}

/** Exact per-group aggregates (never answered as they are). */
interface Tally {
  count: number;
  sum: number;
}

function numeric(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const v = Number(raw);
  return Number.isFinite(v) ? v : undefined;
}

/**
 * Differentially private COUNT / SUM / MEAN over a snapshot's records (issue
 * 7, point 7), Laplace mechanism:
 *
 * - SUM and MEAN clamp every value to [lower, upper] so one record moves a
 *   sum by at most max(|lower|, |upper|) (the L1 sensitivity); records
 *   without a numeric `field` are not counted by them.
 * - group_by releases only the groups the caller named: groups are disjoint,
 *   so by parallel composition each costs the query's ε once in all.
 * - MEAN spends half its ε on a noisy sum and half on a noisy count.
 *
 * Order matters for privacy: the exact tallies are computed first (nothing is
 * released), then the request's whole ε is spent in ONE atomic ledger
 * transaction, and only then is noise drawn and anything answered. A
 * request that would pass the budget is refused with FAILED_PRECONDITION,
 * reason PRIVACY_BUDGET_EXHAUSTED, naming what remains, and costs nothing.
 */
export async function computeDpStatistics(input: {
  readonly dataset: string;
  readonly records: AsyncIterable<StoredRecord>;
  readonly queries: readonly DpQuerySpec[];
  readonly ledger: PrivacyLedger;
  readonly random: RandomSource;
  readonly actor: string;
  readonly nowMs: number;
}): Promise<DpStatisticsOutcome> {
  const { queries } = input;
  const totalEpsilon = validateDpQueries(queries);
  const tallies = queries.map((q) => new Map<string, Tally>((q.groupBy ? q.groups : ['']).map((g) => [g, { count: 0, sum: 0 }])));
  for await (const record of input.records) {
    queries.forEach((q, i) => {
      if (q.matches !== undefined && !q.matches(record)) return;
      const tally = (tallies[i] as Map<string, Tally>).get(q.groupBy ? (record.metadata[q.groupBy] ?? '\u0000') : '');
      if (tally === undefined) return; // a group not asked for is not released
      if (q.aggregate === 'count') {
        tally.count += 1;
        return;
      }
      const v = numeric(record.metadata[q.field]);
      if (v === undefined) return;
      tally.count += 1;
      tally.sum += Math.min(q.upperBound, Math.max(q.lowerBound, v));
    });
  }

  const granted = await input.ledger.spendPrivacyBudget({
    dataset: input.dataset,
    epsilon: totalEpsilon,
    query: queries.map((q) => q.name).join(','),
    actor: input.actor,
    atMs: input.nowMs,
  });
  if (granted === undefined) throw errors.notFound(`dataset ${input.dataset}`, { field: 'snapshot.dataset' });
  const remaining = Math.max(0, granted.total - granted.spent);
  if (!granted.granted) {
    throw errors.failedPrecondition(
      `privacy budget of dataset ${input.dataset} is exhausted: this call needs epsilon ${totalEpsilon}, remaining epsilon ${remaining}`,
      {
        reason: 'PRIVACY_BUDGET_EXHAUSTED',
        metadata: { dataset: input.dataset, requested_epsilon: String(totalEpsilon), remaining_epsilon: String(remaining) },
      },
    );
  }

  const results = queries.map((q, i): DpResultOut => {
    const values = [...(tallies[i] as Map<string, Tally>)].map(([group, t]): DpValueOut => {
      if (q.aggregate === 'count') {
        const b = laplaceScale(1, q.epsilon);
        return { group, value: t.count + sampleLaplace(b, input.random), noiseScale: b };
      }
      const sensitivity = Math.max(Math.abs(q.lowerBound), Math.abs(q.upperBound));
      if (q.aggregate === 'sum') {
        const b = laplaceScale(sensitivity, q.epsilon);
        return { group, value: t.sum + sampleLaplace(b, input.random), noiseScale: b };
      }
      const sumScale = laplaceScale(sensitivity, q.epsilon / 2);
      const noisySum = t.sum + sampleLaplace(sumScale, input.random);
      const noisyCount = t.count + sampleLaplace(laplaceScale(1, q.epsilon / 2), input.random);
      // Post-processing of released figures only: safe to clamp and divide.
      const mean = noisyCount >= 1 ? noisySum / noisyCount : (q.lowerBound + q.upperBound) / 2;
      return { group, value: Math.min(q.upperBound, Math.max(q.lowerBound, mean)), noiseScale: sumScale / Math.max(1, noisyCount) };
    });
    return { name: q.name, values, epsilonSpent: q.epsilon };
  });
  return { results, epsilonSpent: totalEpsilon, budgetRemaining: remaining };
}
