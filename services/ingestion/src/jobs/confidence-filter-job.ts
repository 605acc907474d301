/**
 * The `ingestion.confidence_filter` job (issue 7, point 4): scores a
 * snapshot's records with a model served by the inference service, keeps
 * those whose given label clears its threshold (metadata `confidence`,
 * `predicted_label`) as a new snapshot (origin `confidence_filter`), and
 * puts every dropped record in the review queue with its scores: never
 * silently deleted. Params: FilterByConfidenceRequest's proto JSON; result:
 * FilterResult's.
 */
import { createHash } from 'node:crypto';
import { ingestion } from '@l1g1/contracts';
import type { JobHandler, JsonValue } from '@l1g1/kit';
import { errors } from '@l1g1/kit';
import {
  applyConfidencePlan,
  CLASS_NAMES_TAG,
  CONFIDENCE_DEFAULTS,
  parseClassNamesTag,
  planConfidenceFilter,
  scoreRecords,
  validateConfidenceOptions,
  type ConfidenceOptions,
  type ReviewCandidate,
  type Scorer,
  type ThresholdModeName,
} from '../domain/confidence';
import type { NewReviewItem } from '../domain/ports';
import type { StoredRecord } from '../domain/snapshot/stored-record';
import type { AlignJobDeps } from './align-job';
import { analyticsJobParams } from './analytics-job-params';

export { CONFIDENCE_FILTER_JOB_KIND } from './analytics-job-params';

/** What the job needs (IngestionDeps plus a scorer factory, wired by the composition root). */
export interface ConfidenceFilterJobDeps extends AlignJobDeps {
  readonly store: { insertReviewItems(items: readonly NewReviewItem[], nowMs: number): Promise<void> };
  /** Pins the model version and answers a Scorer for it. */
  createScorer(req: ingestion.FilterByConfidenceRequest): Promise<Scorer & { readonly model: { name: string; version: number } }>;
  /** The model registry: a version's tags, for its `class_names` when the request names none. */
  readonly registry: { versionTags(name: string, version: number): Promise<Record<string, string>> };
  readonly nowMs?: () => number;
}

/** Review items are written in batches of this many. */
const REVIEW_BATCH = 256;

export function thresholdModeOf(mode: ingestion.ThresholdMode): ThresholdModeName {
  if (mode === ingestion.ThresholdMode.THRESHOLD_MODE_PER_CLASS) return 'per_class';
  if (mode === ingestion.ThresholdMode.THRESHOLD_MODE_CONFIDENT_LEARNING) return 'confident_learning';
  return 'global';
}

/** The domain options of a request (defaults applied); `classNames` as given. */
export function confidenceOptionsOf(req: ingestion.FilterByConfidenceRequest, classNames: readonly string[]): ConfidenceOptions {
  return {
    classNames,
    labelField: req.labelField || CONFIDENCE_DEFAULTS.labelField,
    mode: thresholdModeOf(req.mode),
    threshold: req.threshold ?? CONFIDENCE_DEFAULTS.threshold,
    classThresholds: new Map(Object.entries(req.classThresholds)),
    rounds: req.rounds || CONFIDENCE_DEFAULTS.rounds,
    dropDisagreements: req.dropDisagreements,
    batchSize: req.batchSize || CONFIDENCE_DEFAULTS.batchSize,
    maxRecords: CONFIDENCE_DEFAULTS.maxRecords,
  };
}

async function classNamesFromRegistry(registry: ConfidenceFilterJobDeps['registry'], model: { name: string; version: number }): Promise<string[]> {
  const tag = (await registry.versionTags(model.name, model.version))[CLASS_NAMES_TAG];
  const label = `${model.name} version ${model.version}`;
  if (tag === undefined || tag.trim() === '') {
    throw errors.failedPrecondition(`class_names is empty and ${label} has no class_names tag; name the classes in class_names`, {
      reason: 'CLASS_NAMES_UNKNOWN',
      field: 'class_names',
    });
  }
  return parseClassNamesTag(tag, label);
}

export function createConfidenceFilterJobHandler(deps: ConfidenceFilterJobDeps): JobHandler {
  const now = deps.nowMs ?? Date.now;
  return async (ctx) => {
    const params = analyticsJobParams(ctx.params);
    const req = ingestion.FilterByConfidenceRequest.fromJSON(params.request);
    const opened = await deps.snapshots.open({ dataset: req.snapshot?.name ?? '', version: req.snapshot?.snapshot ?? 0 });
    const scorer = await deps.createScorer(req);
    // No class names given: those of the exact version that scores, from its registry tag.
    const classNames = req.classNames.length > 0 ? req.classNames : await classNamesFromRegistry(deps.registry, scorer.model);
    const options = confidenceOptionsOf(req, classNames);
    validateConfidenceOptions(options);
    await ctx.progress({ message: 'scoring records' });
    const scored = await scoreRecords(opened.records(), scorer, options, (n) => {
      void ctx.progress({ message: `scored ${n} records` }).catch(() => undefined);
    });
    ctx.signal.throwIfAborted();
    const plan = planConfidenceFilter(scored, options);
    const model = { name: scorer.model.name, version: scorer.model.version, alias: '' };

    let pending: NewReviewItem[] = [];
    const flush = async (): Promise<void> => {
      if (pending.length === 0) return;
      await deps.store.insertReviewItems(pending, now());
      pending = [];
    };
    const toReview = async (c: ReviewCandidate): Promise<void> => {
      pending.push({
        // One item per (job, record): deterministic, so the queue can be audited back to the job.
        id: `rv-${createHash('sha256').update(ctx.job.id).update('\u0000').update(c.record.id).digest('hex').slice(0, 32)}`,
        dataset: opened.ref.dataset,
        version: opened.ref.version,
        record: c.record,
        reason: c.decision.reason,
        givenLabel: c.decision.givenLabel,
        predictedLabel: c.decision.predictedLabel,
        confidence: c.decision.confidence,
        threshold: c.decision.threshold,
        model,
        jobId: ctx.job.id,
        createdAtMs: now(),
      });
      if (pending.length >= REVIEW_BATCH) await flush();
    };
    // The review queue holds every dropped record before the snapshot that leaves them out is published.
    async function* keptThenFlush(): AsyncIterable<StoredRecord> {
      yield* applyConfidencePlan(opened.records(), plan, toReview);
      await flush();
    }
    await ctx.progress({ message: `publishing ${plan.kept} kept records` });
    const row = await deps.publisher.publish(
      {
        dataset: req.outputDataset || opened.ref.dataset,
        origin: 'confidence_filter',
        jobId: ctx.job.id,
        parents: [opened.ref],
        description: `confidence filter with ${model.name} v${model.version}`,
        tags: {},
        createdBy: params.createdBy,
        counts: { rows_read: plan.scored, rows_kept: plan.kept },
        cleaning: {},
        cleaningReport: {},
        uploadReport: {},
        sources: [],
        signal: ctx.signal,
      },
      keptThenFlush(),
    );
    const result: ingestion.FilterResult = {
      output: { name: row.dataset, snapshot: row.version },
      scored: plan.scored,
      kept: plan.kept,
      sentToReview: plan.sentToReview,
      unlabelled: plan.unlabelled,
      thresholds: Object.fromEntries(plan.thresholds),
      sentToReviewByClass: Object.fromEntries(plan.sentToReviewByClass),
      model: { name: model.name, selector: { $case: 'version', value: model.version } },
    };
    return ingestion.FilterResult.toJSON(result) as JsonValue;
  };
}
