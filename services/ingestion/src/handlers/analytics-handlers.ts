/**
 * The analytics methods of IngestionService: the review queue
 * (ListReviewQueue, ResolveReviewItem) and DP statistics
 * (ComputeDpStatistics). Thin: validate → domain → map.
 */
import type { ingestion } from '@l1g1/contracts';
import { actorOf, decodePageToken, encodePageToken, errors, filterFingerprint, type AsyncService } from '@l1g1/kit';
import { computeDpStatistics, type PrivacyLedger } from '../domain/dp';
import type { IngestionStore } from '../domain/ports';
import type { RandomSource } from '../domain/privacy';
import { resolveReviewItem } from '../domain/review';
import type { SnapshotRef, StoredRecord } from '../domain/snapshot/stored-record';
import { dpQueryFromProto, reviewDecisionFromProto, reviewItemToProto, reviewReasonFromProto, reviewStateFromProto } from './analytics-mappers';

type Service = AsyncService<ingestion.IngestionServiceService>;

/** What these handlers need of the composed deps (IngestionDeps fits it). */
export interface AnalyticsHandlerDeps {
  readonly store: Pick<IngestionStore, 'listReviewItems' | 'resolveReviewItem'> & PrivacyLedger;
  readonly snapshots: { open(ref: SnapshotRef): Promise<{ ref: SnapshotRef; records(): AsyncIterable<StoredRecord> }> };
}

export interface AnalyticsHandlerOptions {
  /** Noise for DP releases: the OS CSPRNG in the service, seeded in tests. */
  readonly random: RandomSource;
  readonly nowMs?: () => number;
}

const PAGE = { default: 50, max: 1000 } as const;
const DATASET_NAME = /^[a-z0-9][a-z0-9._-]{0,127}$/;

function pageSize(requested: number | undefined): number {
  const n = requested ?? 0;
  if (!Number.isInteger(n) || n < 0) throw errors.invalidArgument('page.page_size', 'must be an integer >= 0');
  return n === 0 ? PAGE.default : Math.min(n, PAGE.max);
}

export function createAnalyticsHandlers(deps: AnalyticsHandlerDeps, options: AnalyticsHandlerOptions): Pick<Service, 'listReviewQueue' | 'resolveReviewItem' | 'computeDpStatistics'> {
  const now = options.nowMs ?? Date.now;
  return {
    async listReviewQueue(req) {
      const state = reviewStateFromProto(req.state);
      const reason = reviewReasonFromProto(req.reason, 'reason');
      const filters = { dataset: req.dataset, state, reason: reason ?? '', jobId: req.jobId };
      const fingerprint = filterFingerprint(filters);
      const afterId = decodePageToken(req.page?.pageToken ?? '', 'review', fingerprint, 'string');
      const limit = pageSize(req.page?.pageSize);
      const rows = await deps.store.listReviewItems({
        state,
        limit: limit + 1,
        ...(req.dataset ? { dataset: req.dataset } : {}),
        ...(reason ? { reason } : {}),
        ...(req.jobId ? { jobId: req.jobId } : {}),
        ...(afterId === undefined ? {} : { afterId }),
      });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        items: page.map(reviewItemToProto),
        page: { nextPageToken: rows.length > limit && last ? encodePageToken('review', fingerprint, last.id) : '', totalSize: 0 },
      };
    },

    async resolveReviewItem(req, call) {
      const item = await resolveReviewItem(
        deps.store,
        { itemId: req.itemId, decision: reviewDecisionFromProto(req.decision), newLabel: req.newLabel, note: req.note },
        { resolvedBy: actorOf(call.metadata), nowMs: now() },
      );
      return reviewItemToProto(item);
    },

    async computeDpStatistics(req, call) {
      const ref = req.snapshot;
      if (!ref || !DATASET_NAME.test(ref.name)) throw errors.invalidArgument('snapshot.name', 'must name a dataset (lowercase letters, digits, . _ -)');
      if (!(Number.isInteger(ref.snapshot) && ref.snapshot >= 0)) throw errors.invalidArgument('snapshot.snapshot', 'must be a version >= 1, or 0 for the latest');
      const queries = req.queries.map(dpQueryFromProto);
      const opened = await deps.snapshots.open({ dataset: ref.name, version: ref.snapshot });
      const out = await computeDpStatistics({
        dataset: ref.name,
        records: opened.records(),
        queries,
        ledger: deps.store,
        random: options.random,
        actor: actorOf(call.metadata),
        nowMs: now(),
      });
      return {
        results: out.results.map((r) => ({ name: r.name, epsilonSpent: r.epsilonSpent, values: r.values.map((v) => ({ group: v.group, value: v.value, noiseScale: v.noiseScale })) })),
        epsilonSpent: out.epsilonSpent,
        budgetRemaining: out.budgetRemaining,
      };
    },
  };
}
