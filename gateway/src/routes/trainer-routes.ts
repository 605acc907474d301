/**
 * REST + SSE for the trainer service (`/v1/training/jobs`): create, list,
 * get, cancel and resume training jobs, their checkpoints, ONNX export, and
 * a job's events as SSE with `Last-Event-ID` resume. Scopes come from the
 * default rule (GET read, everything else write); every parameter is
 * checked here before the upstream is called.
 */
import type { FastifyInstance } from 'fastify';
import type { GatewayConfig } from '../config';
import type { Upstreams } from '../upstreams';
import { objectBody, onlyFields, rpc } from './common';
import { page, type Query } from './ingestion/request-parsers';
import { afterSequence, createJobRequest, exportRequest, jobIdParam, listJobsRequest, resumeJobRequest } from './trainer/request-parsers';
import { exportJson, listCheckpointsJson, listTrainingJobsJson, trainingJobJson } from './trainer/trainer-json';
import { streamTrainingEvents } from './trainer/training-events';

type Params = Record<string, string>;

export function registerTrainerRoutes(app: FastifyInstance, up: Upstreams, config: GatewayConfig): void {
  const client = up.trainer;
  const guard = up.guard.trainer;
  const open = new Set<() => void>();
  // Shutdown must not wait for event streams that only end with their job.
  app.addHook('preClose', (done) => {
    for (const close of open) close();
    done();
  });
  const jobId = (params: unknown): string => jobIdParam((params as Params)['job_id']);

  app.post('/v1/training/jobs', async (req, reply) => {
    const job = await rpc(guard, client.createTrainingJob.bind(client), createJobRequest(req.body), req);
    const id = job.status?.jobId ?? '';
    return reply.code(202).header('location', `/v1/training/jobs/${encodeURIComponent(id)}`).send(trainingJobJson(job));
  });

  app.get('/v1/training/jobs', async (req) => listTrainingJobsJson(await rpc(guard, client.listJobs.bind(client), listJobsRequest(req.query as Query), req)));

  app.get('/v1/training/jobs/:job_id', async (req) => trainingJobJson(await rpc(guard, client.getJob.bind(client), { jobId: jobId(req.params) }, req)));

  // `{job_id}:cancel` and friends (AIP-136 custom methods); the regex keeps the colon out of the id.
  app.post('/v1/training/jobs/:job_id(^[^/:]+)::cancel', async (req) => {
    const id = jobId(req.params);
    // Cancel takes no fields: a misspelt option ("force") is refused rather than silently ignored.
    onlyFields(objectBody(req.body), []);
    return trainingJobJson(await rpc(guard, client.cancelJob.bind(client), { jobId: id }, req));
  });

  app.post('/v1/training/jobs/:job_id(^[^/:]+)::resume', async (req) => {
    const request = resumeJobRequest(jobId(req.params), req.body);
    return trainingJobJson(await rpc(guard, client.resumeJob.bind(client), request, req));
  });

  app.post('/v1/training/jobs/:job_id(^[^/:]+)::export', async (req) => {
    const request = exportRequest(jobId(req.params), req.body);
    return exportJson(await rpc(guard, client.exportOnnx.bind(client), request, req));
  });

  app.get('/v1/training/jobs/:job_id/checkpoints', async (req) => {
    const request = { jobId: jobId(req.params), page: page(req.query as Query) };
    return listCheckpointsJson(await rpc(guard, client.listCheckpoints.bind(client), request, req));
  });

  app.get('/v1/training/jobs/:job_id/events', async (req, reply) => {
    const request = { jobId: jobId(req.params), afterSequence: afterSequence(req.headers['last-event-id'], req.query as Query) };
    await streamTrainingEvents(client, guard, req, reply, request, { heartbeatMs: config.sseHeartbeatMs, maxLifeMs: config.uploadTimeoutMs }, open);
  });
}
