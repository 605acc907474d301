/**
 * CreateSnapshot: a new snapshot derived from existing ones (merge, filter,
 * review decisions, sample, splits), run as a kit job of kind
 * `ingestion.derive` so it has progress, cancel and idempotency like every
 * long operation; the RPC waits for the job and answers the Snapshot.
 */
import { ingestion } from '@l1g1/contracts';
import { actorOf, errors, L1g1Error, watchJob, type AsyncService, type JobContext, type JobHandler, type JobStore, type JsonValue } from '@l1g1/kit';
import { INGESTION_JOB_KINDS } from '../adapters/jobs/job-runner';
import type { SnapshotRow } from '../domain/ports';
import { recleanPipelineFactory } from '../domain/snapshot/derive-cleaning';
import { cleaningSpecFromProto } from '../domain/ingest/ingest-spec';
import { deriveSnapshot, type DeriveReport, type RecordCleaner, type ResolvedReviewItem, type ReviewDecisions } from '../domain/snapshot/derive-snapshot';
import { validateRecordFilter } from '../domain/snapshot/record-filter';
import { validateSplitSpec, type SplitSpec } from '../domain/snapshot/split-assignment';
import type { SnapshotRef, StoredRecord } from '../domain/snapshot/stored-record';
import { checkDatasetName, checkRef, ingestionJobSubjects, toSnapshot } from './mappers';
import type { SnapshotReader } from './snapshot-handlers';

type Handlers = AsyncService<ingestion.IngestionServiceService>;
export type DeriveHandlers = Pick<Handlers, 'createSnapshot'>;

export const DERIVE_JOB_KIND = INGESTION_JOB_KINDS.derive;
const MAX_SOURCES = 64;
/** Review items read per page when applying decisions. */
const REVIEW_PAGE = 500;

/** What derive needs of CORE's composed deps (structural). */
export interface DeriveDeps {
  snapshots: SnapshotReader;
  publisher: {
    publish(
      input: {
        dataset: string;
        origin: string;
        jobId: string;
        parents: SnapshotRef[];
        description: string;
        tags: Record<string, string>;
        createdBy: string;
        counts: { [key: string]: JsonValue };
        cleaning: JsonValue;
        cleaningReport: JsonValue;
        uploadReport: JsonValue;
        sources: JsonValue[];
        signal?: AbortSignal;
      },
      records: AsyncIterable<StoredRecord>,
    ): Promise<SnapshotRow>;
  };
  store: {
    getSnapshot(dataset: string, version: number): Promise<SnapshotRow | undefined>;
    listReviewItems(query: { dataset?: string; state?: 'pending' | 'resolved'; afterId?: string; limit: number }): Promise<
      Array<{ id: string; dataset: string; version: number; record: StoredRecord; decision: 'keep' | 'relabel' | 'discard' | undefined; newLabel: string }>
    >;
  };
  jobs: Pick<JobStore, 'submit' | 'get' | 'readEvents' | 'watchEvents'>;
  worker: { register(kind: string, handler: JobHandler): void };
}

/** The job's params: the request as proto JSON, and who asked. */
interface DeriveParams {
  request: JsonValue;
  actor: string;
}

/**
 * The CreateSnapshot handler; registers the `ingestion.derive` job handler
 * on the worker as it is created (composition time, before the worker starts).
 */
export function createDeriveHandlers(deps: DeriveDeps): DeriveHandlers {
  deps.worker.register(DERIVE_JOB_KIND, (ctx) => runDeriveJob(deps, ctx));
  return {
    async createSnapshot(req, call) {
      validateDeriveRequest(req);
      const params: DeriveParams = { request: ingestion.CreateSnapshotRequest.toJSON(req) as JsonValue, actor: actorOf(call.metadata) };
      const { job, created } = await deps.jobs.submit({
        kind: DERIVE_JOB_KIND,
        params: params as unknown as JsonValue, // an object of JSON values
        subjects: ingestionJobSubjects(DERIVE_JOB_KIND, params as unknown as JsonValue),
        maxAttempts: 1,
        ...(req.idempotencyKey ? { idempotencyKey: `derive:${req.idempotencyKey}` } : {}),
      });
      // A key reused for another request would silently answer the wrong snapshot: refuse it, as Ingest does.
      const earlier = (job.params as { request?: JsonValue } | null)?.request;
      if (!created && JSON.stringify(earlier) !== JSON.stringify(params.request)) {
        throw errors.alreadyExists(`idempotency_key ${req.idempotencyKey} (used for another CreateSnapshot request)`, {
          reason: 'IDEMPOTENCY_KEY_REUSED',
          field: 'idempotency_key',
        });
      }
      const done = await waitForJob(deps.jobs, job.id, call);
      if (done.state !== 'succeeded') {
        throw new L1g1Error(done.error?.code ?? 'INTERNAL', done.error?.message ?? `derive job ${done.state}`, { reason: done.state === 'cancelled' ? 'JOB_CANCELLED' : 'DERIVE_FAILED' });
      }
      const result = done.result as { dataset?: unknown; version?: unknown } | undefined;
      const row = await deps.store.getSnapshot(String(result?.dataset ?? ''), Number(result?.version ?? -1));
      if (row === undefined) throw errors.internal('derived snapshot row missing');
      return toSnapshot(row);
    },
  };
}

/** Everything checkable before a job exists: INVALID_ARGUMENT naming the field. */
export function validateDeriveRequest(req: ingestion.CreateSnapshotRequest): { split: SplitSpec | undefined; createCleaner: (() => RecordCleaner) | undefined } {
  checkDatasetName(req.dataset, 'dataset');
  if (req.sources.length === 0) throw errors.invalidArgument('sources', 'name at least one source snapshot');
  if (req.sources.length > MAX_SOURCES) throw errors.invalidArgument('sources', `at most ${MAX_SOURCES} sources`);
  req.sources.forEach((s, i) => checkRef(s, `sources[${i}]`));
  validateRecordFilter(req.filter);
  if (!Number.isSafeInteger(req.sampleSize) || req.sampleSize < 0) throw errors.invalidArgument('sample_size', `must be >= 0 (0: all), got ${req.sampleSize}`);
  if (req.sampleSeed !== undefined && !Number.isSafeInteger(req.sampleSeed)) throw errors.invalidArgument('sample_seed', 'must be an integer');
  const split = req.split !== undefined && (Object.keys(req.split.fractions).length > 0 || req.split.stratifyBy !== '') ? validateSplitSpec(req.split) : undefined;
  const createCleaner = req.cleaning === undefined ? undefined : recleanPipelineFactory(cleaningSpecFromProto(req.cleaning, 'cleaning'));
  return { split, createCleaner };
}

async function runDeriveJob(deps: DeriveDeps, ctx: JobContext): Promise<JsonValue> {
  const params = ctx.params as unknown as DeriveParams; // written by createSnapshot above
  const req = ingestion.CreateSnapshotRequest.fromJSON(params.request);
  const { split, createCleaner } = validateDeriveRequest(req);
  // Pin every source to its version now, so both passes of the derivation read the same files.
  const sources = await Promise.all(req.sources.map((s, i) => deps.snapshots.open(checkRef(s, `sources[${i}]`))));
  const parents = sources.map((s) => s.ref);
  const reviewItems = req.applyReviewDecisions ? await reviewDecisionsFromStore(deps.store).resolvedReviewItems(parents) : [];
  ctx.signal.throwIfAborted();
  const derivation = deriveSnapshot(
    () =>
      sources.map((s) =>
        (async function* () {
          for await (const { record } of s.rows()) {
            ctx.signal.throwIfAborted();
            yield record;
          }
        })(),
      ),
    {
      filter: req.filter,
      split,
      createCleaner,
      sampleSize: req.sampleSize,
      ...(req.sampleSeed === undefined ? {} : { sampleSeed: req.sampleSeed }),
      reviewItems,
    },
  );
  const row = await deps.publisher.publish(
    {
      dataset: req.dataset,
      origin: 'derive',
      jobId: ctx.job.id,
      parents,
      description: req.description,
      tags: req.tags,
      createdBy: params.actor,
      // Getters: the publisher reads these for the manifest and row after it has consumed the records, when the report is complete.
      get counts() {
        return countsOf(derivation.report());
      },
      cleaning: {},
      get cleaningReport() {
        return derivation.report() as unknown as JsonValue; // plain numbers and string maps
      },
      uploadReport: [],
      sources: [],
      signal: ctx.signal,
    },
    derivation.records,
  );
  return { dataset: row.dataset, version: row.version };
}

/** IngestCounts (snake_case JSON) of a derivation: cleaning drops by step, the rest as read/kept. */
function countsOf(r: DeriveReport): { [key: string]: JsonValue } {
  const byStep = (step: string): number =>
    Object.entries(r.droppedByStep)
      .filter(([key]) => key.startsWith(`${step}/`))
      .reduce((n, [, v]) => n + v, 0);
  return {
    rows_read: r.read,
    rows_kept: r.kept,
    exact_duplicates: byStep('exact_dedupe'),
    near_duplicates: byStep('near_dedupe'),
    filtered_length: byStep('length_filter'),
    filtered_language: byStep('language_filter'),
  };
}

/** The review-queue port over the metadata store: resolved items of the source snapshots. */
export function reviewDecisionsFromStore(store: DeriveDeps['store']): ReviewDecisions {
  return {
    async resolvedReviewItems(sources) {
      const out: ResolvedReviewItem[] = [];
      for (const dataset of new Set(sources.map((s) => s.dataset))) {
        const versions = new Set(sources.filter((s) => s.dataset === dataset).map((s) => s.version));
        let afterId: string | undefined;
        for (;;) {
          const page = await store.listReviewItems({ dataset, state: 'resolved', limit: REVIEW_PAGE, ...(afterId === undefined ? {} : { afterId }) });
          for (const item of page) {
            if (!versions.has(item.version) || item.decision === undefined) continue;
            out.push({ recordId: item.record.id, decision: item.decision, ...(item.newLabel ? { newLabel: item.newLabel } : {}), record: item.record });
          }
          if (page.length < REVIEW_PAGE) break;
          afterId = page.at(-1)?.id;
        }
      }
      return out;
    },
  };
}

/** Follows the job's events until it ends (or the caller goes away: the job goes on). */
async function waitForJob(jobs: DeriveDeps['jobs'], jobId: string, call: { cancelled: boolean; once(event: 'cancelled', l: () => void): unknown }) {
  const controller = new AbortController();
  if (call.cancelled) controller.abort();
  else call.once('cancelled', () => controller.abort());
  const terminal = new Set(['succeeded', 'failed', 'cancelled']);
  const current = await jobs.get(jobId);
  if (current !== undefined && terminal.has(current.state)) return current;
  for await (const event of watchJob(jobs as JobStore, jobId, 0, controller.signal)) {
    if (event.type !== 'state') continue;
    const job = await jobs.get(jobId);
    if (job !== undefined && terminal.has(job.state)) return job;
  }
  throw errors.cancelled('the caller went away; the derive job goes on', { reason: 'CALL_CANCELLED' });
}
