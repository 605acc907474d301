/** FindLabelIssues, and the review queue's LABEL_ISSUE reason (tasks flagged and not yet settled by a gold answer). */
import { labeling } from '@l1g1/contracts';
import { decodePageToken, encodePageToken, filterFingerprint, type AsyncService } from '@l1g1/kit';
import type { LabelingDeps } from '../deps';
import { consensusOf } from '../domain/consensus';
import { runLabelIssues, toLabelIssue } from '../label-issues/label-issue-run';
import { loadProject } from './load-project';
import { pageSizeOf } from './paging';

type Service = AsyncService<labeling.LabelingServiceService>;

export function createLabelIssueHandlers(deps: Pick<LabelingDeps, 'store' | 'now'>): Pick<Service, 'findLabelIssues'> {
  return {
    async findLabelIssues(req) {
      const project = await loadProject(deps.store, req.projectId);
      const r = await runLabelIssues(deps.store, project, req, deps.now());
      return { issues: r.issues.map(toLabelIssue), thresholds: r.thresholds, tasksChecked: r.tasksChecked, sentToReview: r.sentToReview };
    },
  };
}

/** One page of the LABEL_ISSUE review queue, in task order. */
export async function labelIssueQueue(deps: Pick<LabelingDeps, 'store'>, req: labeling.ListReviewQueueRequest): Promise<labeling.ListReviewQueueResponse> {
  const project = await loadProject(deps.store, req.projectId);
  const limit = pageSizeOf(req.page);
  const fp = filterFingerprint({ p: project.id, r: 'label_issue' });
  let after = decodePageToken(req.page?.pageToken ?? '', 'labeling.review', fp, 'number') ?? -1;
  const items: labeling.ReviewQueueItem[] = [];
  // Settled issues (a gold answer since) are passed over, so a page may need a few reads; each read moves on.
  for (;;) {
    const rows = await deps.store.listLabelIssues(project.id, after, limit + 1);
    const annotations = await deps.store.annotationsOfTasks(rows.map((r) => r.issue.taskId));
    for (const { seq, issue } of rows) {
      if (items.length === limit) return { items, page: { nextPageToken: encodePageToken('labeling.review', fp, after), totalSize: 0 } };
      after = seq;
      const mine = annotations.filter((a) => a.taskId === issue.taskId);
      if (mine.some((a) => a.gold)) continue;
      const c = consensusOf(mine);
      items.push({
        taskId: issue.taskId,
        consensus: c.value,
        agreement: c.agreement,
        annotations: c.annotations,
        distinctValues: c.distinctValues,
        reason: labeling.ReviewReason.REVIEW_REASON_LABEL_ISSUE,
        labelIssue: toLabelIssue(issue),
      });
    }
    if (rows.length <= limit) return { items, page: { nextPageToken: '', totalSize: 0 } };
  }
}
