/**
 * Proto ↔ domain shapes of the analytics methods (review queue, DP
 * statistics, alignment and confidence-filter requests and results).
 */
import { common, ingestion } from '@l1g1/contracts';
import { errors } from '@l1g1/kit';
import type { DpAggregateName, DpQuerySpec } from '../domain/dp';
import type { ReviewDecisionName, ReviewItemRow, ReviewReasonName, ReviewStateName } from '../domain/ports';
import type { RecordFilterSpec } from '../domain/snapshot/record-filter';
import { recordMatches, validateRecordFilter } from '../domain/snapshot/record-filter';
import type { StoredRecord } from '../domain/snapshot/stored-record';

const { ReviewReason, ReviewState, ReviewDecision, DpAggregate } = ingestion;

export function reviewReasonToProto(reason: ReviewReasonName): ingestion.ReviewReason {
  return reason === 'low_confidence' ? ReviewReason.REVIEW_REASON_LOW_CONFIDENCE : ReviewReason.REVIEW_REASON_LABEL_DISAGREEMENT;
}

export function reviewReasonFromProto(reason: ingestion.ReviewReason, field: string): ReviewReasonName | undefined {
  switch (reason) {
    case ReviewReason.REVIEW_REASON_UNSPECIFIED:
      return undefined;
    case ReviewReason.REVIEW_REASON_LOW_CONFIDENCE:
      return 'low_confidence';
    case ReviewReason.REVIEW_REASON_LABEL_DISAGREEMENT:
      return 'label_disagreement';
    default:
      throw errors.invalidArgument(field, 'is not a known review reason');
  }
}

export function reviewStateFromProto(state: ingestion.ReviewState): ReviewStateName {
  switch (state) {
    case ReviewState.REVIEW_STATE_UNSPECIFIED:
    case ReviewState.REVIEW_STATE_PENDING:
      return 'pending';
    case ReviewState.REVIEW_STATE_RESOLVED:
      return 'resolved';
    default:
      throw errors.invalidArgument('state', 'is not a known review state');
  }
}

export function reviewDecisionFromProto(decision: ingestion.ReviewDecision): ReviewDecisionName | undefined {
  switch (decision) {
    case ReviewDecision.REVIEW_DECISION_KEEP:
      return 'keep';
    case ReviewDecision.REVIEW_DECISION_RELABEL:
      return 'relabel';
    case ReviewDecision.REVIEW_DECISION_DISCARD:
      return 'discard';
    default:
      return undefined;
  }
}

function reviewDecisionToProto(decision: ReviewDecisionName | undefined): ingestion.ReviewDecision {
  switch (decision) {
    case 'keep':
      return ReviewDecision.REVIEW_DECISION_KEEP;
    case 'relabel':
      return ReviewDecision.REVIEW_DECISION_RELABEL;
    case 'discard':
      return ReviewDecision.REVIEW_DECISION_DISCARD;
    default:
      return ReviewDecision.REVIEW_DECISION_UNSPECIFIED;
  }
}

export function recordToProto(record: StoredRecord): common.Record {
  return {
    id: record.id,
    data: Buffer.from(record.data.buffer, record.data.byteOffset, record.data.byteLength),
    contentType: record.contentType,
    metadata: record.metadata,
    timestampUs: record.timestampUs ?? 0,
  };
}

export function modelRefToProto(model: { name: string; version: number; alias: string }): common.ModelRef {
  return {
    name: model.name,
    selector: model.version > 0 ? { $case: 'version', value: model.version } : model.alias ? { $case: 'alias', value: model.alias } : undefined,
  };
}

export function reviewItemToProto(row: ReviewItemRow): ingestion.ReviewItem {
  return {
    id: row.id,
    source: { name: row.dataset, snapshot: row.version },
    record: recordToProto(row.record),
    reason: reviewReasonToProto(row.reason),
    givenLabel: row.givenLabel,
    predictedLabel: row.predictedLabel,
    confidence: row.confidence,
    threshold: row.threshold,
    model: modelRefToProto(row.model),
    jobId: row.jobId,
    state: row.state === 'pending' ? ReviewState.REVIEW_STATE_PENDING : ReviewState.REVIEW_STATE_RESOLVED,
    decision: reviewDecisionToProto(row.decision),
    newLabel: row.newLabel,
    note: row.note,
    resolvedBy: row.resolvedBy,
    createdAt: new Date(row.createdAtMs),
    resolvedAt: row.resolvedAtMs === undefined ? undefined : new Date(row.resolvedAtMs),
  };
}

export function recordFilterFromProto(filter: ingestion.RecordFilter | undefined, field: string): RecordFilterSpec | undefined {
  if (filter === undefined) return undefined;
  const spec: RecordFilterSpec = {
    metadataEquals: filter.metadataEquals,
    metadataPresent: filter.metadataPresent,
    contentTypePrefix: filter.contentTypePrefix,
    minTimestampUs: filter.minTimestampUs,
    maxTimestampUs: filter.maxTimestampUs,
  };
  validateRecordFilter(spec, field);
  return spec;
}

function aggregateFromProto(aggregate: ingestion.DpAggregate): DpAggregateName | undefined {
  switch (aggregate) {
    case DpAggregate.DP_AGGREGATE_COUNT:
      return 'count';
    case DpAggregate.DP_AGGREGATE_SUM:
      return 'sum';
    case DpAggregate.DP_AGGREGATE_MEAN:
      return 'mean';
    default:
      return undefined;
  }
}

export function dpQueryFromProto(q: ingestion.DpQuery, i: number): DpQuerySpec {
  const filter = recordFilterFromProto(q.filter, `queries[${i}].filter`);
  return {
    name: q.name,
    aggregate: aggregateFromProto(q.aggregate),
    field: q.field,
    lowerBound: q.lowerBound,
    upperBound: q.upperBound,
    epsilon: q.epsilon,
    groupBy: q.groupBy,
    groups: q.groups,
    ...(filter === undefined ? {} : { matches: (r: StoredRecord) => recordMatches(r, filter) }),
  };
}

