/**
 * Server-Sent Events of one labeling project's live progress: task counts
 * and agreement. The labeling service has no change feed, so the gateway
 * re-reads GetProject and ComputeAgreement every `pollMs` and sends a
 * `progress` event when something changed. Each event carries the whole
 * state (snapshot-then-updates), so a reconnecting client is up to date with
 * its first event and Last-Event-ID needs no replay; ids still increase so a
 * client can tell events apart. One stream costs one pair of reads per
 * interval, bounded by the gateway's SSE stream cap.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { labeling } from '@l1g1/contracts';
import { errors } from '@l1g1/kit';
import { errorBody } from '../../http-errors';
import type { Upstream } from '../../upstreams';
import { rpc } from '../common';
import { openEventStream } from '../event-stream';
import { agreementJson } from './labeling-json';

export interface ProgressOptions {
  pollMs: number;
  heartbeatMs: number;
  /** A stream ends (the client reconnects) after this long, so none is held forever. */
  maxLifeMs: number;
}

async function progressOf(client: labeling.LabelingServiceClient, guard: Upstream, req: FastifyRequest, projectId: string) {
  const p = await rpc(guard, client.getProject.bind(client), { projectId }, req);
  // Agreement needs two annotations on a task (and polygon agreement is not measured yet): absent until then.
  const agreement = await rpc(guard, client.computeAgreement.bind(client), { projectId, metric: 0, annotators: [] }, req).then(agreementJson, () => null);
  return {
    project_id: p.id,
    task_count: p.taskCount,
    completed_task_count: p.completedTaskCount,
    annotation_count: p.annotationCount,
    agreement: agreement && agreement.tasks_compared > 0 ? { metric: agreement.metric, kappa: agreement.kappa, observed_agreement: agreement.observed_agreement, tasks_compared: agreement.tasks_compared } : null,
  };
}

export async function streamProjectProgress(
  client: labeling.LabelingServiceClient,
  guard: Upstream,
  req: FastifyRequest,
  reply: FastifyReply,
  projectId: string,
  options: ProgressOptions,
  open: Set<() => void>,
): Promise<void> {
  // An unknown project is a 404 now, not a 200 stream that errors and an EventSource reconnecting forever.
  let last = JSON.stringify(await progressOf(client, guard, req, projectId));
  const res = openEventStream(reply, `progress of labeling project ${projectId}`);
  let id = 1;
  let closed = false;
  let polling = false;
  res.write(`id: ${id}\nevent: progress\ndata: ${last}\n\n`);
  const heartbeat = setInterval(() => res.write(`: heartbeat ${Date.now()}\n\n`), options.heartbeatMs);
  const poll = setInterval(() => {
    // One read at a time: a slow service skips ticks instead of piling up calls.
    if (polling || closed) return;
    polling = true;
    progressOf(client, guard, req, projectId)
      .then((p) => {
        const now = JSON.stringify(p);
        if (closed || now === last) return;
        last = now;
        id++;
        res.write(`id: ${id}\nevent: progress\ndata: ${now}\n\n`);
      })
      .catch((err: unknown) => {
        if (closed) return;
        // The project was deleted, or the service is gone: say so and end (the client may reconnect).
        res.write(`event: error\ndata: ${JSON.stringify(errorBody(errors.unavailable(err instanceof Error ? err.message : 'labeling progress unavailable', { reason: 'PROGRESS_UNAVAILABLE' })))}\n\n`);
        close();
      })
      .finally(() => {
        polling = false;
      });
  }, options.pollMs);
  const close = (): void => {
    if (closed) return;
    closed = true;
    open.delete(close);
    clearInterval(heartbeat);
    clearInterval(poll);
    clearTimeout(expiry);
    res.end();
  };
  const expiry = setTimeout(() => {
    res.write(`event: error\ndata: ${JSON.stringify(errorBody(errors.deadlineExceeded('the event stream reached its maximum life; reconnect to go on', { reason: 'STREAM_EXPIRED' })))}\n\n`);
    close();
  }, options.maxLifeMs);
  open.add(close);
  res.on('close', close);
}
