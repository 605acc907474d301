/** ComputeAgreement and ListReviewQueue. */
import { labeling } from '@l1g1/contracts';
import { decodePageToken, encodePageToken, errors, filterFingerprint, type AsyncService } from '@l1g1/kit';
import type { LabelingDeps } from '../deps';
import { computeAgreement } from '../domain/agreement-report';
import type { TaskAnnotations } from '../domain/agreement-units';
import { DEFAULT_IOU_THRESHOLD } from '../domain/box-clusters';
import { consensusOf } from '../domain/consensus';
import { recordText } from '../domain/record-content';
import { taskPages } from '../domain/task-pages';
import { requireName } from './checks';
import { loadProject } from './load-project';
import { pageSizeOf } from './paging';
import { labelIssueQueue } from './label-issue-handlers';

type Service = AsyncService<labeling.LabelingServiceService>;

export function createAgreementHandlers(deps: Pick<LabelingDeps, 'store' | 'now'>): Pick<Service, 'computeAgreement' | 'listReviewQueue'> {
  const { store } = deps;
  return {
    async computeAgreement(req) {
      const project = await loadProject(store, req.projectId);
      if (!Object.values(labeling.AgreementMetric).includes(req.metric)) throw errors.invalidArgument('metric', 'unknown agreement metric');
      req.annotators.forEach((a, i) => requireName(a, `annotators[${i}]`));
      if (req.iouThreshold !== undefined && !(req.iouThreshold > 0 && req.iouThreshold <= 1)) throw errors.invalidArgument('iou_threshold', 'expected 0 < IoU <= 1');
      const tasks: TaskAnnotations[] = [];
      for await (const page of taskPages(store, project.id, { nowMs: deps.now() })) {
        for (const { task, annotations } of page) {
          if (annotations.filter((a) => !a.skipped && !a.gold).length >= 2) tasks.push({ text: recordText(task.record), annotations });
        }
      }
      const s = computeAgreement(project.config, tasks, req.metric, new Set(req.annotators), req.iouThreshold ?? DEFAULT_IOU_THRESHOLD);
      return labeling.AgreementReport.fromPartial({
        projectId: project.id,
        metric: s.metric,
        kappa: s.value,
        observedAgreement: s.observedAgreement,
        tasksCompared: s.tasksCompared,
        unitsCompared: s.unitsCompared,
        perLabel: s.perLabel,
        pairs: s.pairs,
        computedAt: new Date(deps.now()),
        meanIou: s.meanIou,
        iouThreshold: s.iouThreshold,
      });
    },
    async listReviewQueue(req) {
      const { ReviewReason: R } = labeling;
      if (!Object.values(R).includes(req.reason) || req.reason === R.UNRECOGNIZED) throw errors.invalidArgument('reason', 'unknown review reason');
      if (req.reason === R.REVIEW_REASON_LABEL_ISSUE) return labelIssueQueue(deps, req);
      const project = await loadProject(store, req.projectId);
      const limit = pageSizeOf(req.page);
      const fp = filterFingerprint({ p: project.id });
      const after = decodePageToken(req.page?.pageToken ?? '', 'labeling.review', fp, 'number') ?? -1;
      const items: labeling.ReviewQueueItem[] = [];
      let lastSeq = after;
      let more = false;
      scan: for await (const page of taskPages(store, project.id, { nowMs: deps.now(), afterSeq: after })) {
        for (const { task, annotations } of page) {
          if (items.length === limit) {
            more = true;
            break scan;
          }
          lastSeq = task.seq;
          const c = consensusOf(annotations);
          if (!c.needsReview) continue;
          items.push({ taskId: task.id, consensus: c.value, agreement: c.agreement, annotations: c.annotations, distinctValues: c.distinctValues, reason: R.REVIEW_REASON_DISAGREEMENT, labelIssue: undefined });
        }
      }
      return { items, page: { nextPageToken: more ? encodePageToken('labeling.review', fp, lastSeq) : '', totalSize: 0 } };
    },
  };
}
