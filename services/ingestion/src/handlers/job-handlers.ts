/** GetJob, ListJobs, CancelJob over the service's kit job store (only `ingestion.*` kinds are this service's). */
import type { ingestion } from '@l1g1/contracts';
import { errors, filterFingerprint, fromProtoJobState, listJobsPage, type AsyncService, type Job } from '@l1g1/kit';
import { INGESTION_JOB_KINDS } from '../adapters/jobs/job-runner';
import type { IngestionDeps } from '../deps';
import { checkDatasetName, datasetSubject, jobKindFromProto, pageSize, toIngestionJob } from './mappers';

type Handlers = Pick<AsyncService<ingestion.IngestionServiceService>, 'getJob' | 'listJobs' | 'cancelJob'>;

const OURS = 'ingestion.';
const OUR_KINDS: readonly string[] = Object.values(INGESTION_JOB_KINDS);

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
      const kind = jobKindFromProto(req.kind);
      if (req.kind !== 0 && kind === undefined) throw errors.invalidArgument('kind', `unknown job kind ${req.kind}`);
      const state = fromProtoJobState(req.state);
      if (req.state !== 0 && state === undefined) throw errors.invalidArgument('state', `unknown job state ${req.state}`);
      const dataset = req.dataset ? checkDatasetName(req.dataset, 'dataset') : undefined;
      const page = await listJobsPage(jobs, {
        // Our kinds only: other services' jobs may share the store.
        filter: { kinds: kind ? [kind] : OUR_KINDS, ...(state ? { states: [state] } : {}), ...(dataset ? { subjects: [datasetSubject(dataset)] } : {}) },
        pageSize: pageSize(req.page),
        pageToken: req.page?.pageToken ?? '',
        list: 'ingestion-jobs',
        fingerprint: filterFingerprint({ kind: req.kind, state: req.state, dataset: dataset ?? '' }),
      });
      return { jobs: page.jobs.map(toIngestionJob), page: { nextPageToken: page.nextPageToken, totalSize: 0 } };
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
