/** A kit job as the contract's `LabelingJob` (status, kind, project, request, result, creator). */
import { labeling } from '@l1g1/contracts';
import { toJobStatus, type Job } from '@l1g1/kit';
import type { LabelingJobKindDef } from './labeling-job-kind';
import { decodeLabelingJobParams } from './labeling-job-params';

export function toLabelingJob(job: Job, kinds: readonly LabelingJobKindDef[]): labeling.LabelingJob {
  const def = kinds.find((k) => k.kind === job.kind);
  const params = decodeLabelingJobParams(job.params);
  const result = job.state === 'succeeded' && job.result !== undefined && job.result !== null ? job.result : undefined;
  const view = def ? def.view(params.request, result) : { request: undefined, result: undefined };
  return {
    status: toJobStatus(job),
    kind: def?.proto ?? labeling.LabelingJobKind.LABELING_JOB_KIND_UNSPECIFIED,
    projectId: params.projectId,
    request: view.request,
    result: view.result,
    createdBy: params.createdBy,
  };
}
