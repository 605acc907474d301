/**
 * REST for the model-fed labeling calls (`/v1/labeling/...`): pre-label runs
 * as jobs (start, list, cancel; GetJob is labeling-routes' job route) and
 * label issues by confident learning. The uncertainty order of the queue
 * rides on labeling-routes' task list (`order`) and next-task (`strategy`),
 * the flagged tasks on its review queue (`reason=label_issue`).
 *
 * Scopes: the default rule — starting or cancelling a run and flagging
 * issues are writes, listing runs a read.
 */
import type { FastifyInstance } from 'fastify';
import type { Upstreams } from '../upstreams';
import { rpc } from './common';
import { jobIdParam } from './trainer/request-parsers';
import { labelingJobJson } from './labeling/labeling-json';
import { findLabelIssuesJson } from './labeling/ml-json';
import { createPrelabelsRequest, findLabelIssuesRequest, listJobsRequest } from './labeling/ml-request-parsers';
import { idParam, type Query } from './labeling/request-parsers';

type Params = Record<string, string>;

export function registerLabelingMlRoutes(app: FastifyInstance, up: Upstreams): void {
  const client = up.labeling;
  const guard = up.guard.labeling;
  const projectId = (params: unknown): string => idParam((params as Params)['project_id'], 'project_id');

  app.post('/v1/labeling/projects/:project_id(^[^/:]+)::prelabel', async (req, reply) => {
    const job = await rpc(guard, client.createPrelabels.bind(client), createPrelabelsRequest(projectId(req.params), req.body), req);
    const id = job.status?.jobId ?? '';
    return reply.code(202).header('location', `/v1/labeling/jobs/${encodeURIComponent(id)}`).send(labelingJobJson(job));
  });

  app.get('/v1/labeling/projects/:project_id/jobs', async (req) => {
    const res = await rpc(guard, client.listJobs.bind(client), listJobsRequest(projectId(req.params), req.query as Query), req);
    return { jobs: res.jobs.map(labelingJobJson), next_page_token: res.page?.nextPageToken ?? '', total_size: res.page?.totalSize ?? 0 };
  });

  app.post('/v1/labeling/jobs/:job_id(^[^/:]+)::cancel', async (req) => {
    const id = jobIdParam((req.params as Params)['job_id']);
    return labelingJobJson(await rpc(guard, client.cancelJob.bind(client), { jobId: id }, req));
  });

  app.post('/v1/labeling/projects/:project_id(^[^/:]+)::find-label-issues', async (req) => {
    const request = findLabelIssuesRequest(projectId(req.params), req.body);
    return findLabelIssuesJson(await rpc(guard, client.findLabelIssues.bind(client), request, req));
  });
}
