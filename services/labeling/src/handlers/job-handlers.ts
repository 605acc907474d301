/**
 * GetJob, ListJobs and CancelJob over the service's kit job store. Only
 * `labeling.*` kinds are this service's; a project filter is applied here
 * over bounded store pages (the kit store lists by kind and state).
 */
import { labeling } from '@l1g1/contracts';
import { decodePageToken, encodePageToken, errors, filterFingerprint, fromProtoJobState, type AsyncService, type Job } from '@l1g1/kit';
import type { LabelingDeps } from '../deps';
import { LABELING_JOB_KINDS, LABELING_JOB_PREFIX, decodeLabelingJobParams, toLabelingJob, type LabelingJobKindDef } from '../jobs';
import { pageSizeOf } from './paging';

type Handlers = Pick<AsyncService<labeling.LabelingServiceService>, 'getJob' | 'listJobs' | 'cancelJob'>;

/** Store pages read at most per ListJobs call when filtering here (bounded work per call). */
const MAX_SCAN_PAGES = 20;
const SCAN_PAGE = 500;
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
      const limit = pageSizeOf(req.page);
      let kind: string | undefined;
      if (req.kind !== labeling.LabelingJobKind.LABELING_JOB_KIND_UNSPECIFIED) {
        kind = kinds.find((k) => k.proto === req.kind)?.kind;
        if (kind === undefined) throw errors.invalidArgument('kind', `unknown or unavailable job kind ${req.kind}`);
      }
      const state = fromProtoJobState(req.state);
      if (req.state !== 0 && state === undefined) throw errors.invalidArgument('state', `unknown job state ${req.state}`);
      if (req.projectId.length > 200) throw errors.invalidArgument('project_id', 'must be at most 200 characters');
      const projectId = req.projectId;
      const fp = filterFingerprint({ kind: req.kind, state: req.state, project: projectId });
      const token = decodePageToken(req.page?.pageToken ?? '', PAGE_KIND, fp, 'string');
      let before: { createdAtMs: number; id: string } | undefined;
      if (token !== undefined) {
        const cut = token.indexOf(':');
        const ms = Number(token.slice(0, cut));
        const id = token.slice(cut + 1);
        if (cut < 0 || !Number.isSafeInteger(ms) || !id) throw errors.invalidArgument('page.page_token', 'is corrupted; start over without a token', { reason: 'INVALID_PAGE_TOKEN' });
        before = { createdAtMs: ms, id };
      }
      const out: Job[] = [];
      let exhausted = false;
      for (let i = 0; i < MAX_SCAN_PAGES && out.length <= limit; i++) {
        const page = await jobs.list({ ...(kind ? { kind } : {}), ...(state ? { states: [state] } : {}), limit: SCAN_PAGE, ...(before ? { before } : {}) });
        for (const j of page) {
          if (!j.kind.startsWith(LABELING_JOB_PREFIX)) continue;
          if (projectId && decodeLabelingJobParams(j.params).projectId !== projectId) continue;
          out.push(j);
          if (out.length > limit) break;
        }
        const last = page[page.length - 1];
        if (page.length < SCAN_PAGE || !last) {
          exhausted = true;
          break;
        }
        before = { createdAtMs: last.createdAtMs, id: last.id };
      }
      const shown = out.slice(0, limit);
      const last = shown[shown.length - 1];
      const more = out.length > limit || !exhausted;
      return {
        jobs: shown.map((j) => toLabelingJob(j, kinds)),
        page: { nextPageToken: more && last ? encodePageToken(PAGE_KIND, fp, `${last.createdAtMs}:${last.id}`) : '', totalSize: 0 },
      };
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
