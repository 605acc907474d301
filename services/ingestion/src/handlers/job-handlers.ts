/** GetJob, ListJobs, CancelJob over the service's kit job store (only `ingestion.*` kinds are this service's). */
import type { ingestion } from '@l1g1/contracts';
import { decodePageToken, encodePageToken, errors, filterFingerprint, fromProtoJobState, type AsyncService, type Job } from '@l1g1/kit';
import type { IngestionDeps } from '../deps';
import { checkDatasetName, jobDataset, jobKindFromProto, pageSize, toIngestionJob } from './mappers';

type Handlers = Pick<AsyncService<ingestion.IngestionServiceService>, 'getJob' | 'listJobs' | 'cancelJob'>;

const OURS = 'ingestion.';
/** Store pages read at most per ListJobs call when filters are applied here (bounded work per call). */
const MAX_SCAN_PAGES = 20;

function checkJobId(id: string): string {
  if (id.length === 0 || id.length > 200) throw errors.invalidArgument('job_id', 'must be 1-200 characters');
  return id;
}

export function createJobHandlers(deps: IngestionDeps): Handlers {
  const { jobs } = deps;
  const find = async (id: string): Promise<Job> => {
    const job = await jobs.get(checkJobId(id));
    if (!job || !job.kind.startsWith(OURS)) throw errors.notFound(`job ${id}`, { reason: 'JOB_NOT_FOUND' });
    return job;
  };
  return {
    async getJob(req) {
      return toIngestionJob(await find(req.jobId));
    },
    async listJobs(req) {
      const limit = pageSize(req.page);
      const kind = jobKindFromProto(req.kind);
      if (req.kind !== 0 && kind === undefined) throw errors.invalidArgument('kind', `unknown job kind ${req.kind}`);
      const state = fromProtoJobState(req.state);
      if (req.state !== 0 && state === undefined) throw errors.invalidArgument('state', `unknown job state ${req.state}`);
      const dataset = req.dataset ? checkDatasetName(req.dataset, 'dataset') : undefined;
      const fp = filterFingerprint({ kind: req.kind, state: req.state, dataset: dataset ?? '' });
      const token = decodePageToken(req.page?.pageToken ?? '', 'ingestion-jobs', fp, 'string');
      let before: { createdAtMs: number; id: string } | undefined;
      if (token !== undefined) {
        const [ms, id] = [Number(token.slice(0, token.indexOf(':'))), token.slice(token.indexOf(':') + 1)];
        if (!Number.isSafeInteger(ms) || !id) throw errors.invalidArgument('page.page_token', 'is corrupted; start over without a token', { reason: 'INVALID_PAGE_TOKEN' });
        before = { createdAtMs: ms, id };
      }
      const out: Job[] = [];
      let exhausted = false;
      for (let i = 0; i < MAX_SCAN_PAGES && out.length < limit + 1; i++) {
        const page = await jobs.list({ ...(kind ? { kind } : {}), ...(state ? { states: [state] } : {}), limit: 500, ...(before ? { before } : {}) });
        for (const j of page) {
          if (!j.kind.startsWith(OURS)) continue;
          if (dataset !== undefined && jobDataset(j) !== dataset) continue;
          out.push(j);
          if (out.length > limit) break;
        }
        const last = page[page.length - 1];
        if (page.length < 500 || !last) {
          exhausted = true;
          break;
        }
        before = { createdAtMs: last.createdAtMs, id: last.id };
      }
      const shown = out.slice(0, limit);
      const last = shown[shown.length - 1];
      const more = out.length > limit || !exhausted;
      return {
        jobs: shown.map(toIngestionJob),
        page: { nextPageToken: more && last ? encodePageToken('ingestion-jobs', fp, `${last.createdAtMs}:${last.id}`) : '', totalSize: 0 },
      };
    },
    async cancelJob(req) {
      await find(req.jobId);
      // Through the runner: a job running here stops at once, not at its next heartbeat.
      const job = await deps.worker.cancel(req.jobId);
      if (!job) throw errors.notFound(`job ${req.jobId}`, { reason: 'JOB_NOT_FOUND' });
      return toIngestionJob(job);
    },
  };
}
