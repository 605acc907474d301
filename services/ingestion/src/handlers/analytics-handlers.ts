/**
 * The analytics methods of IngestionService: alignment (AlignStreams, an
 * `ingestion.align` job), the confidence filter (FilterByConfidence, an
 * `ingestion.confidence_filter` job), the review queue (ListReviewQueue,
 * ResolveReviewItem) and DP statistics (ComputeDpStatistics). Thin:
 * validate → domain or job → map.
 */
import { ingestion } from '@l1g1/contracts';
import { actorOf, decodePageToken, encodePageToken, errors, filterFingerprint, type AsyncService, type JobStore, type JsonValue } from '@l1g1/kit';
import { clockOffsetOf } from '../jobs/align-job';
import { ALIGN_JOB_KIND, analyticsJobParamsToJson, CONFIDENCE_FILTER_JOB_KIND } from '../jobs/analytics-job-params';
import { confidenceOptionsOf } from '../jobs/confidence-filter-job';
import { validateConfidenceOptions } from '../domain/confidence';
import { validateAlignRequest } from '../domain/align';
import { computeDpStatistics, validateDpQueries, type PrivacyLedger } from '../domain/dp';
import { DATASET_NAME } from '../domain/ingest/ingest-spec';
import type { IngestionStore } from '../domain/ports';
import type { RandomSource } from '../domain/privacy';
import { resolveReviewItem } from '../domain/review';
import type { SnapshotRef, StoredRecord } from '../domain/snapshot/stored-record';
import { ingestionJobSubjects, toIngestionJob } from './mappers';
import { dpQueryFromProto, recordFilterFromProto, reviewDecisionFromProto, reviewItemToProto, reviewReasonFromProto, reviewStateFromProto } from './analytics-mappers';

type Service = AsyncService<ingestion.IngestionServiceService>;

/** What these handlers need of the composed deps (IngestionDeps fits it). */
export interface AnalyticsHandlerDeps {
  readonly store: Pick<IngestionStore, 'listReviewItems' | 'resolveReviewItem'> & PrivacyLedger;
  readonly snapshots: { open(ref: SnapshotRef): Promise<{ ref: SnapshotRef; records(): AsyncIterable<StoredRecord> }> };
  readonly jobs: Pick<JobStore, 'submit'>;
}

export interface AnalyticsHandlerOptions {
  /** Noise for DP releases: the OS CSPRNG in the service, seeded in tests. */
  readonly random: RandomSource;
  readonly nowMs?: () => number;
}

const PAGE = { default: 50, max: 1000 } as const;

const MAX_ALIGN_STREAMS = 16;
const MAX_IDEMPOTENCY_KEY_CHARS = 200;

function validateRef(ref: { name: string; snapshot: number } | undefined, field: string): void {
  if (!ref || !DATASET_NAME.test(ref.name)) throw errors.invalidArgument(`${field}.name`, 'must name a dataset (lowercase letters, digits, . _ -)');
  if (!(Number.isInteger(ref.snapshot) && ref.snapshot >= 0)) throw errors.invalidArgument(`${field}.snapshot`, 'must be a version >= 1, or 0 for the latest');
}

function validateJobCommon(outputDataset: string, idempotencyKey: string): void {
  if (outputDataset && !DATASET_NAME.test(outputDataset)) throw errors.invalidArgument('output_dataset', 'must be a dataset name (lowercase letters, digits, . _ -)');
  if (idempotencyKey.length > MAX_IDEMPOTENCY_KEY_CHARS) throw errors.invalidArgument('idempotency_key', `must be at most ${MAX_IDEMPOTENCY_KEY_CHARS} characters`);
}

function validateAlign(req: ingestion.AlignStreamsRequest): void {
  if (req.streams.length > MAX_ALIGN_STREAMS) throw errors.invalidArgument('streams', `at most ${MAX_ALIGN_STREAMS} streams`);
  req.streams.forEach((s, i) => {
    validateRef(s.snapshot, `streams[${i}].snapshot`);
    recordFilterFromProto(s.filter, `streams[${i}].filter`);
    if (s.estimateOffset && s.clockOffsetUs !== 0) throw errors.invalidArgument(`streams[${i}].clock_offset_us`, 'must be 0 when estimate_offset is set');
  });
  validateAlignRequest(req.streams.map((s) => ({ name: s.name, clockOffset: clockOffsetOf(s) })), { toleranceUs: req.toleranceUs });
  if (![ingestion.AlignMatch.ALIGN_MATCH_UNSPECIFIED, ingestion.AlignMatch.ALIGN_MATCH_NEAREST, ingestion.AlignMatch.ALIGN_MATCH_WINDOW].includes(req.match)) {
    throw errors.invalidArgument('match', 'must be nearest or window');
  }
  validateJobCommon(req.outputDataset, req.idempotencyKey);
}

/** The classes `class_thresholds` names, plus placeholders up to the two a filter needs. */
function standInClasses(named: string[]): string[] {
  const out = [...named];
  for (let i = 0; out.length < 2; i += 1) if (!out.includes(`class ${i}`)) out.push(`class ${i}`);
  return out;
}

function validateFilter(req: ingestion.FilterByConfidenceRequest): void {
  validateRef(req.snapshot, 'snapshot');
  if (!req.model || req.model.name.length === 0) throw errors.invalidArgument('model.name', 'is required (a model served by the inference service)');
  if (![0, 1, 2, 3].includes(req.mode)) throw errors.invalidArgument('mode', 'must be global, per_class or confident_learning');
  // Empty class_names: the job reads the model version's class_names tag once it has pinned the version
  // (and checks class_thresholds against it). Until then the other options are checked against stand-ins.
  validateConfidenceOptions(confidenceOptionsOf(req, req.classNames.length > 0 ? req.classNames : standInClasses(Object.keys(req.classThresholds))));
  validateJobCommon(req.outputDataset, req.idempotencyKey);
}

function pageSize(requested: number | undefined): number {
  const n = requested ?? 0;
  if (!Number.isInteger(n) || n < 0) throw errors.invalidArgument('page.page_size', 'must be an integer >= 0');
  return n === 0 ? PAGE.default : Math.min(n, PAGE.max);
}

export function createAnalyticsHandlers(deps: AnalyticsHandlerDeps, options: AnalyticsHandlerOptions): Pick<Service, 'alignStreams' | 'filterByConfidence' | 'listReviewQueue' | 'resolveReviewItem' | 'computeDpStatistics'> {
  const now = options.nowMs ?? Date.now;
  return {
    async alignStreams(req, call) {
      validateAlign(req);
      const params = analyticsJobParamsToJson({ request: ingestion.AlignStreamsRequest.toJSON(req) as JsonValue, createdBy: actorOf(call.metadata), dataset: req.streams[0]?.snapshot?.name ?? '' });
      const { job } = await deps.jobs.submit({
        kind: ALIGN_JOB_KIND,
        params,
        subjects: ingestionJobSubjects(ALIGN_JOB_KIND, params),
        ...(req.idempotencyKey ? { idempotencyKey: req.idempotencyKey } : {}),
        // An alignment that failed on its data fails again; a retry only helps a lost worker.
        maxAttempts: 2,
      });
      return toIngestionJob(job);
    },

    async filterByConfidence(req, call) {
      validateFilter(req);
      const params = analyticsJobParamsToJson({ request: ingestion.FilterByConfidenceRequest.toJSON(req) as JsonValue, createdBy: actorOf(call.metadata), dataset: req.snapshot?.name ?? '' });
      const { job } = await deps.jobs.submit({
        kind: CONFIDENCE_FILTER_JOB_KIND,
        params,
        subjects: ingestionJobSubjects(CONFIDENCE_FILTER_JOB_KIND, params),
        ...(req.idempotencyKey ? { idempotencyKey: req.idempotencyKey } : {}),
        // Review items are keyed by (job, record): a second attempt would repeat them, so a failure is final.
        maxAttempts: 1,
      });
      return toIngestionJob(job);
    },

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
      validateRef(ref, 'snapshot');
      if (!ref) throw errors.invalidArgument('snapshot', 'is required');
      const queries = req.queries.map(dpQueryFromProto);
      // A malformed query is the caller's fault whatever the dataset: answer it before opening anything.
      validateDpQueries(queries);
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
