/**
 * REST + SSE for the labeling service (`/v1/labeling/...`): projects, task
 * import, the per-annotator queue, annotations, agreement, the review queue,
 * streamed exports and annotation imports (`{project_id}:import-annotations`,
 * the body relayed to the client-streamed RPC), export-to-snapshot jobs, a
 * job's events (WatchJob as SSE) and a project's live progress.
 *
 * Scopes: reads need `read`, project changes `write` (the default rule);
 * taking a task, skipping and submitting need `annotate`, which `write`
 * implies — so a labeler's key labels without being able to delete projects.
 *
 * Who annotates: the key's name (the audit actor). A body may name another
 * `annotator` only with a `write` key (a lead entering labels for someone);
 * an annotate-only key acting for someone else is refused (403), and so is
 * its `gold` answer (a reviewer's, which settles consensus).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errors, L1g1Error, mayDo } from '@l1g1/kit';
import type { GatewayConfig } from '../config';
import type { Upstreams } from '../upstreams';
import { labeling } from '@l1g1/contracts';
import { parseEnum } from './ingestion/enum-names';
import { objectBody, onlyFields, rpc } from './common';
import { TAR_MEMBER_MAX_BYTES } from '../archive/tar-header';
import { sendExport } from './labeling/export-download';
import {
  agreementJson,
  annotationJson,
  importJson,
  labelingJobJson,
  listAnnotationsJson,
  listProjectsJson,
  listTasksJson,
  nextTaskJson,
  projectJson,
  reviewQueueJson,
  taskJson,
} from './labeling/labeling-json';
import { streamProjectProgress } from './labeling/project-progress';
import { IMPORT_CONTENT_TYPES, importAnnotations, importAnnotationsHeader, importAnnotationsJson, importNotAStream } from './labeling/annotation-import';
import { streamLabelingJobEvents } from './labeling/labeling-job-events';
import { afterSequence, jobIdParam } from './trainer/request-parsers';
import { deadlineMsFor } from '../admission/route-policy';
import {
  agreementRequest,
  boolQuery,
  createProjectRequest,
  exportRequest,
  exportToSnapshotRequest,
  idParam,
  importTasksRequest,
  listProjectsRequest,
  listTasksRequest,
  nextTaskBody,
  page,
  skipBody,
  submitBody,
  updateProjectRequest,
  type Query,
} from './labeling/request-parsers';

type Params = Record<string, string>;



/** The annotator a request acts as: the key's own name unless a `write` key names someone else. */
export function annotatorFor(req: FastifyRequest, asked: string | undefined): string {
  const self = req.principal.name;
  if (asked === undefined || asked === self) return self;
  if (!mayDo(req.principal, 'write')) {
    throw new L1g1Error('PERMISSION_DENIED', `annotator: key "${self}" may only annotate as itself; naming another annotator needs scope "write"`, {
      reason: 'ANNOTATOR_NOT_ALLOWED',
      field: 'annotator',
    });
  }
  if (asked.length > 128) throw errors.invalidArgument('annotator', 'must be at most 128 characters');
  return asked;
}

export function registerLabelingRoutes(app: FastifyInstance, up: Upstreams, config: GatewayConfig): void {
  const client = up.labeling;
  const guard = up.guard.labeling;
  const open = new Set<() => void>();
  // Shutdown must not wait for progress streams that only end with their client.
  app.addHook('preClose', (done) => {
    for (const close of open) close();
    done();
  });
  const projectId = (params: unknown): string => idParam((params as Params)['project_id'], 'project_id');
  const taskId = (params: unknown): string => idParam((params as Params)['task_id'], 'task_id');
  const annotate = { config: { scope: 'annotate' as const } };

  // --- projects ---------------------------------------------------------------
  app.post('/v1/labeling/projects', async (req, reply) => {
    const project = await rpc(guard, client.createProject.bind(client), createProjectRequest(req.body), req);
    return reply.code(201).header('location', `/v1/labeling/projects/${encodeURIComponent(project.id)}`).send(projectJson(project));
  });

  app.get('/v1/labeling/projects', async (req) => listProjectsJson(await rpc(guard, client.listProjects.bind(client), listProjectsRequest(req.query as Query), req)));

  app.get('/v1/labeling/projects/:project_id', async (req) => projectJson(await rpc(guard, client.getProject.bind(client), { projectId: projectId(req.params) }, req)));

  app.patch('/v1/labeling/projects/:project_id', async (req) => {
    const request = updateProjectRequest(projectId(req.params), req.body);
    return projectJson(await rpc(guard, client.updateProject.bind(client), request, req));
  });

  app.delete('/v1/labeling/projects/:project_id', async (req, reply) => {
    const request = { projectId: projectId(req.params), force: boolQuery((req.query as Query)['force'], 'force') };
    await rpc(guard, client.deleteProject.bind(client), request, req);
    return reply.code(204).send();
  });

  // --- tasks and the queue ----------------------------------------------------
  app.post('/v1/labeling/projects/:project_id/tasks', async (req, reply) => {
    const request = importTasksRequest(projectId(req.params), req.body);
    return reply.code(201).send(importJson(await rpc(guard, client.importTasks.bind(client), request, req)));
  });

  app.get('/v1/labeling/projects/:project_id/tasks', async (req) => {
    const request = listTasksRequest(projectId(req.params), req.query as Query);
    return listTasksJson(await rpc(guard, client.listTasks.bind(client), request, req));
  });

  app.post('/v1/labeling/projects/:project_id(^[^/:]+)::next-task', annotate, async (req) => {
    const id = projectId(req.params);
    const body = nextTaskBody(req.body);
    const request = { projectId: id, annotator: annotatorFor(req, body.annotator), strategy: body.strategy, ...(body.seed !== undefined ? { seed: body.seed } : {}) };
    return nextTaskJson(await rpc(guard, client.nextTask.bind(client), request, req));
  });

  app.get('/v1/labeling/tasks/:task_id', async (req) => taskJson(await rpc(guard, client.getTask.bind(client), { taskId: taskId(req.params) }, req)));

  app.post('/v1/labeling/tasks/:task_id(^[^/:]+)::skip', annotate, async (req) => {
    const id = taskId(req.params);
    const body = skipBody(req.body);
    const request = { taskId: id, annotator: annotatorFor(req, body.annotator), value: undefined, leadTimeMs: body.leadTimeMs, skipped: true, annotationId: '', fromPrelabel: false, gold: false };
    return annotationJson(await rpc(guard, client.submitAnnotation.bind(client), request, req));
  });

  // --- annotations ------------------------------------------------------------
  app.post('/v1/labeling/tasks/:task_id/annotations', annotate, async (req, reply) => {
    const id = taskId(req.params);
    const body = submitBody(req.body);
    const annotator = annotatorFor(req, body.annotator);
    if (body.gold && !mayDo(req.principal, 'write')) {
      throw new L1g1Error('PERMISSION_DENIED', 'gold: a gold (reviewer) answer needs scope "write"', { reason: 'GOLD_NOT_ALLOWED', field: 'gold' });
    }
    const request = { taskId: id, annotator, value: body.value, leadTimeMs: body.leadTimeMs, skipped: false, annotationId: body.annotationId, fromPrelabel: body.fromPrelabel, gold: body.gold };
    const annotation = await rpc(guard, client.submitAnnotation.bind(client), request, req);
    // A replacement (annotation_id given) changes an existing resource; a first submission creates one.
    return reply.code(body.annotationId === '' ? 201 : 200).send(annotationJson(annotation));
  });

  app.get('/v1/labeling/tasks/:task_id/annotations', async (req) => {
    const request = { projectId: '', taskId: taskId(req.params), annotator: (req.query as Query)['annotator'] ?? '', page: page(req.query as Query) };
    return listAnnotationsJson(await rpc(guard, client.listAnnotations.bind(client), request, req));
  });

  app.get('/v1/labeling/projects/:project_id/annotations', async (req) => {
    const request = { projectId: projectId(req.params), taskId: '', annotator: (req.query as Query)['annotator'] ?? '', page: page(req.query as Query) };
    return listAnnotationsJson(await rpc(guard, client.listAnnotations.bind(client), request, req));
  });

  // --- agreement, review, exports ---------------------------------------------
  app.get('/v1/labeling/projects/:project_id/agreement', async (req) => {
    const request = agreementRequest(projectId(req.params), req.query as Query);
    return agreementJson(await rpc(guard, client.computeAgreement.bind(client), request, req));
  });

  app.get('/v1/labeling/projects/:project_id/review-queue', async (req) => {
    const q = req.query as Query;
    const request = { projectId: projectId(req.params), page: page(q), reason: parseEnum(labeling.ReviewReason, 'REVIEW_REASON_', q['reason'], 'reason') };
    return reviewQueueJson(await rpc(guard, client.listReviewQueue.bind(client), request, req));
  });

  app.get('/v1/labeling/projects/:project_id/export', async (req, reply) => {
    const request = exportRequest(projectId(req.params), req.query as Query);
    // YOLO is a folder of files (classes.txt, labels/*.txt): it downloads as one tar archive.
    const archive = request.format === labeling.ExportFormat.EXPORT_FORMAT_YOLO ? { fileName: `${request.projectId}-yolo.tar`, maxFileBytes: TAR_MEMBER_MAX_BYTES, mtimeSec: Math.floor(Date.now() / 1000) } : undefined;
    await sendExport(client, guard, req, reply, request, { deadlineMs: config.uploadTimeoutMs, ...(archive ? { archive } : {}) });
  });

  // An export file back in (AIP-136 custom method on the collection). Encapsulated so that
  // the pass-through body parsers apply to it only; JSON exports (Label Studio, COCO) go as
  // application/octet-stream, as ingestion uploads do, so the gateway never parses them.
  app.register(async (scope) => {
    for (const type of IMPORT_CONTENT_TYPES) {
      if (scope.hasContentTypeParser(type)) scope.removeContentTypeParser(type);
      scope.addContentTypeParser(type, (_req, payload, done) => done(null, payload));
    }
    scope.post('/v1/labeling/projects/:project_id(^[^/:]+)::import-annotations', async (req) => {
      const id = projectId(req.params);
      const body = req.body as { on?: unknown } | undefined;
      if (!body || typeof body.on !== 'function') throw importNotAStream();
      const header = importAnnotationsHeader(id, req.query as Query);
      const limits = { maxBytes: config.maxUploadBytes, deadlineMs: deadlineMsFor(req) ?? config.uploadTimeoutMs, maxMemberBytes: TAR_MEMBER_MAX_BYTES };
      return importAnnotationsJson(await importAnnotations(client, guard, req, header, limits));
    });
  });

  app.post('/v1/labeling/projects/:project_id(^[^/:]+)::export-to-snapshot', async (req, reply) => {
    const request = exportToSnapshotRequest(projectId(req.params), req.body);
    const job = await rpc(guard, client.exportToSnapshot.bind(client), request, req);
    const id = job.status?.jobId ?? '';
    return reply.code(202).header('location', `/v1/labeling/jobs/${encodeURIComponent(id)}`).send(labelingJobJson(job));
  });

  app.get('/v1/labeling/jobs/:job_id', async (req) => {
    const id = jobIdParam((req.params as Params)['job_id']);
    return labelingJobJson(await rpc(guard, client.getJob.bind(client), { jobId: id }, req));
  });

  app.get('/v1/labeling/jobs/:job_id/events', async (req, reply) => {
    const id = jobIdParam((req.params as Params)['job_id']);
    const q = req.query as Query;
    onlyFields(objectBody(q, 'query'), ['after_sequence']);
    const request = { jobId: id, afterSequence: afterSequence(req.headers['last-event-id'], q) };
    await streamLabelingJobEvents(client, guard, req, reply, request, { heartbeatMs: config.sseHeartbeatMs, maxLifeMs: config.uploadTimeoutMs }, open);
  });

  // --- live progress ------------------------------------------------------------
  app.get('/v1/labeling/projects/:project_id/events', async (req, reply) => {
    const id = projectId(req.params);
    // A query parameter would be a typo: this stream takes none.
    onlyFields(objectBody(req.query, 'query'), []);
    const options = { pollMs: config.labelingProgressMs, heartbeatMs: config.sseHeartbeatMs, maxLifeMs: config.uploadTimeoutMs };
    await streamProjectProgress(client, guard, req, reply, id, options, open);
  });

}
