import { errors } from '@l1g1/kit';

export type ReviewDecisionName = 'keep' | 'relabel' | 'discard';

export interface ReviewResolutionRequest {
  readonly itemId: string;
  readonly decision: ReviewDecisionName | undefined;
  readonly newLabel: string;
  readonly note: string;
}

/** The part of the metadata store a resolution needs (CORE's IngestionStore fits it). */
export interface ReviewResolutionStore<Item> {
  /** Resolves a pending item atomically; `updated` false when it was resolved already. */
  resolveReviewItem(
    id: string,
    resolution: { decision: ReviewDecisionName; newLabel: string; note: string; resolvedBy: string; atMs: number },
  ): Promise<{ item: Item; updated: boolean } | undefined>;
}

export const REVIEW_LIMITS = { maxLabelChars: 256, maxNoteChars: 4096, maxItemIdChars: 128 } as const;

/** Checks a resolution request, naming the request field at fault. */
export function validateResolution(request: ReviewResolutionRequest): ReviewDecisionName {
  if (request.itemId.length === 0) throw errors.invalidArgument('item_id', 'is required');
  if (request.itemId.length > REVIEW_LIMITS.maxItemIdChars) throw errors.invalidArgument('item_id', `must be at most ${REVIEW_LIMITS.maxItemIdChars} characters`);
  const decision = request.decision;
  if (decision === undefined) throw errors.invalidArgument('decision', 'must be keep, relabel or discard');
  if (decision === 'relabel' && request.newLabel.trim().length === 0) throw errors.invalidArgument('new_label', 'is required for a relabel decision');
  if (decision !== 'relabel' && request.newLabel.length > 0) throw errors.invalidArgument('new_label', `is only taken with a relabel decision, not ${decision}`);
  if (request.newLabel.length > REVIEW_LIMITS.maxLabelChars) throw errors.invalidArgument('new_label', `must be at most ${REVIEW_LIMITS.maxLabelChars} characters`);
  if (request.note.length > REVIEW_LIMITS.maxNoteChars) throw errors.invalidArgument('note', `must be at most ${REVIEW_LIMITS.maxNoteChars} characters`);
  return decision;
}

/**
 * Resolves a review item once: PENDING → RESOLVED with the decision (KEEP and
 * RELABEL bring the record back into later derived snapshots, DISCARD keeps it
 * out; the item stays for audit). The store's conditional update makes two
 * concurrent resolutions safe: the loser, like any second resolution, is
 * refused with FAILED_PRECONDITION (reason REVIEW_ITEM_RESOLVED), so a
 * decision is never silently overwritten.
 */
export async function resolveReviewItem<Item>(
  store: ReviewResolutionStore<Item>,
  request: ReviewResolutionRequest,
  actor: { resolvedBy: string; nowMs: number },
): Promise<Item> {
  const decision = validateResolution(request);
  const outcome = await store.resolveReviewItem(request.itemId, {
    decision,
    newLabel: decision === 'relabel' ? request.newLabel.trim() : '',
    note: request.note,
    resolvedBy: actor.resolvedBy,
    atMs: actor.nowMs,
  });
  if (outcome === undefined) throw errors.notFound(`review item ${request.itemId}`, { field: 'item_id' });
  if (!outcome.updated) {
    throw errors.failedPrecondition(`review item ${request.itemId} is already resolved; a decision is made once`, {
      reason: 'REVIEW_ITEM_RESOLVED',
      field: 'item_id',
    });
  }
  return outcome.item;
}
