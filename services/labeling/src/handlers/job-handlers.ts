/**
 * GetJob, ListJobs and CancelJob over the service's kit job store. Only
 * `labeling.*` kinds are this service's; the project filter is the store's
 * subject index (`project:<id>`, set at submit), exact over every job.
 */
import { labeling } from '@l1g1/contracts';
import { checkJobSubject, errors, filterFingerprint, fromProtoJobState, listJobsPage, type AsyncService, type Job } from '@l1g1/kit';
import type { LabelingDeps } from '../deps';
import { LABELING_JOB_KINDS, LABELING_JOB_PREFIX, toLabelingJob, type LabelingJobKindDef } from '../jobs';
import { projectSubject } from '../jobs/submit-labeling-job';
import { pageSizeOf } from './paging';

type Handlers = Pick<AsyncService<labeling.LabelingServiceService>, 'getJob' | 'listJobs' | 'cancelJob'>;

const PAGE_KIND = 'labeling-jobs';

function checkJobId(id: string): string {
  if (id.length === 0 || id.length > 200) throw errors.invalidArgument('job_id', 'must be 1-200 characters');
  return id;
}

/** The labeling job `id`, or NOT_FOUND (also for another service's job in a shared store). */
export async function findLabelingJob(deps: Pick<LabelingDeps, 'jobs'>, id: string): Promise<Job> {
  const job = await deps.jobs.get(checkJobId(id));
  if (!job || !job.kind.startsWith(LABELING_JOB_PREFIX)) throw errors.notFound(`job ${id}`, { reason: 'JOB_NOT_FOUND' });
  return job;
}

export function createJobHandlers(deps: Pick<LabelingDeps, 'jobs'>, kinds: readonly LabelingJobKindDef[] = LABELING_JOB_KINDS): Handlers {
  const { jobs } = deps;
  return {
    async getJob(req) {
      return toLabelingJob(await findLabelingJob(deps, req.jobId), kinds);
    },
    async listJobs(req) {
      let kind: string | undefined;
      if (req.kind !== labeling.LabelingJobKind.LABELING_JOB_KIND_UNSPECIFIED) {
        kind = kinds.find((k) => k.proto === req.kind)?.kind;
        if (kind === undefined) throw errors.invalidArgument('kind', `unknown or unavailable job kind ${req.kind}`);
      }
      const state = fromProtoJobState(req.state);
      if (req.state !== 0 && state === undefined) throw errors.invalidArgument('state', `unknown job state ${req.state}`);
      if (req.projectId.length > 200) throw errors.invalidArgument('project_id', 'must be at most 200 characters');
      const projectId = req.projectId;
      const subject = projectId ? checkJobSubject(projectSubject(projectId), 'project_id') : undefined;
      const page = await listJobsPage(jobs, {
        // Our kinds only: other services' jobs may share the store.
        filter: { kinds: kind ? [kind] : kinds.map((k) => k.kind), ...(state ? { states: [state] } : {}), ...(subject ? { subjects: [subject] } : {}) },
        pageSize: pageSizeOf(req.page),
        pageToken: req.page?.pageToken ?? '',
        list: PAGE_KIND,
        fingerprint: filterFingerprint({ kind: req.kind, state: req.state, project: projectId }),
      });
      return { jobs: page.jobs.map((j) => toLabelingJob(j, kinds)), page: { nextPageToken: page.nextPageToken, totalSize: 0 } };
    },
    async cancelJob(req) {
      await findLabelingJob(deps, req.jobId);
      // Cooperative: a queued job ends at once, a running one at its next heartbeat.
      const job = await jobs.requestCancel(req.jobId);
      if (!job) throw errors.notFound(`job ${req.jobId}`, { reason: 'JOB_NOT_FOUND' });
      return toLabelingJob(job, kinds);
    },
  };
}
