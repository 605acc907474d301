/** CreatePrelabels and the job RPCs (GetJob, ListJobs, CancelJob) over the kit job runtime. */
import { labeling } from '@l1g1/contracts';
import { actorOf, decodePageToken, encodePageToken, errors, filterFingerprint, fromProtoJobState, toJobStatus, type AsyncService, type Job } from '@l1g1/kit';
import type { LabelingDeps } from '../deps';
import { PRELABEL_JOB_KIND } from '../jobs/prelabel-job';
import { checkPrelabelRequest, decodePrelabelPlan, encodePrelabelPlan, planPrelabels } from '../prelabels/prelabel-plan';
import { loadProject } from './load-project';
import { pageSizeOf } from './paging';

type Service = AsyncService<labeling.LabelingServiceService>;

/** A full queue frees up as runs finish: ask again after this. */
const QUEUE_FULL_RETRY_MS = 5_000;
/** A failed attempt (inference restarting) is retried this many times in all. */
const MAX_ATTEMPTS = 3;
/** Jobs ListJobs looks through (newest first) to filter by project. */
const LIST_SCAN = 500;

const KINDS: Readonly<Record<string, labeling.LabelingJobKind>> = { [PRELABEL_JOB_KIND]: labeling.LabelingJobKind.LABELING_JOB_KIND_PRELABEL };

/** A runtime job as the contract's LabelingJob (request as asked, result once succeeded). */
export function toLabelingJob(job: Job): labeling.LabelingJob {
  const plan = decodePrelabelPlan(job.params);
  return labeling.LabelingJob.fromPartial({
    status: toJobStatus(job),
    kind: KINDS[job.kind] ?? labeling.LabelingJobKind.LABELING_JOB_KIND_UNSPECIFIED,
    projectId: plan.projectId,
    request: { $case: 'prelabelRequest', value: labeling.CreatePrelabelsRequest.fromJSON(plan.request) },
    result: job.state === 'succeeded' && job.result ? { $case: 'prelabelResult', value: labeling.PrelabelResult.fromJSON(job.result) } : undefined,
    createdBy: plan.createdBy,
  });
}

export function createPrelabelHandlers(deps: Pick<LabelingDeps, 'store' | 'jobs' | 'models' | 'config'>): Pick<Service, 'createPrelabels' | 'getJob' | 'listJobs' | 'cancelJob'> {
  const { store, jobs } = deps;
  const loadJob = async (id: string): Promise<Job> => {
    if (id.trim() === '') throw errors.invalidArgument('job_id', 'is required');
    if (id.length > 200) throw errors.invalidArgument('job_id', 'at most 200 characters');
    const job = await jobs.get(id);
    // Another service's job in a shared PostgreSQL queue is not this service's to show.
    if (!job || KINDS[job.kind] === undefined) throw errors.notFound(`job ${id}`, { reason: 'JOB_NOT_FOUND' });
    return job;
  };
  return {
    async createPrelabels(req, call) {
      const project = await loadProject(store, req.projectId);
      checkPrelabelRequest(req, project);
      const open = await jobs.list({ kind: PRELABEL_JOB_KIND, states: ['queued', 'running'], limit: Math.min(500, deps.config.maxQueuedJobs) });
      if (open.length >= deps.config.maxQueuedJobs) {
        throw errors.resourceExhausted(`${open.length} pre-label runs are queued or running; try again later`, QUEUE_FULL_RETRY_MS, { reason: 'JOB_QUEUE_FULL' });
      }
      // name@alias is pinned here: a run labels with the version that was current when it was asked for.
      const version = await deps.models.resolve(req.model ?? { name: '', selector: undefined });
      const plan = planPrelabels(req, project, version, actorOf(call.metadata));
      const { job } = await jobs.submit({ kind: PRELABEL_JOB_KIND, params: encodePrelabelPlan(plan), maxAttempts: MAX_ATTEMPTS });
      return toLabelingJob(job);
    },
    async getJob(req) {
      return toLabelingJob(await loadJob(req.jobId));
    },
    async listJobs(req) {
      const project = await loadProject(store, req.projectId);
      if (req.kind !== labeling.LabelingJobKind.LABELING_JOB_KIND_UNSPECIFIED && req.kind !== labeling.LabelingJobKind.LABELING_JOB_KIND_PRELABEL) {
        if (!Object.values(labeling.LabelingJobKind).includes(req.kind) || req.kind === labeling.LabelingJobKind.UNRECOGNIZED) throw errors.invalidArgument('kind', 'unknown job kind');
        return { jobs: [], page: { nextPageToken: '', totalSize: 0 } };
      }
      const state = fromProtoJobState(req.state);
      const limit = Math.min(pageSizeOf(req.page), LIST_SCAN);
      const fp = filterFingerprint({ p: project.id, k: req.kind, s: req.state });
      const cursor = decodePageToken(req.page?.pageToken ?? '', 'labeling.jobs', fp, 'string');
      const before = cursor ? { createdAtMs: Number(cursor.split(':')[0]), id: cursor.slice(cursor.indexOf(':') + 1) } : undefined;
      const scanned = await jobs.list({ kind: PRELABEL_JOB_KIND, ...(state ? { states: [state] } : {}), limit: LIST_SCAN, ...(before ? { before } : {}) });
      const mine = scanned.filter((j) => decodePrelabelPlan(j.params).projectId === project.id);
      const page = mine.slice(0, limit);
      const last = page[page.length - 1];
      const more = mine.length > limit || scanned.length === LIST_SCAN;
      return {
        jobs: page.map(toLabelingJob),
        page: { nextPageToken: more && last ? encodePageToken('labeling.jobs', fp, `${last.createdAtMs}:${last.id}`) : '', totalSize: 0 },
      };
    },
    async cancelJob(req) {
      const job = await loadJob(req.jobId);
      return toLabelingJob((await jobs.requestCancel(job.id)) ?? job);
    },
  };
}
