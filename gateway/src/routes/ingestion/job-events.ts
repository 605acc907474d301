/**
 * Server-Sent Events for one ingestion job: `state` when its state changes,
 * `progress` when its progress or counters move (bytes, files, records,
 * errors of an upload), ending after the terminal `state`. The contract has
 * no job watch stream, so the route polls GetJob at a fixed interval; each
 * stream is bounded by the front door's SSE limit and by a maximum life.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ingestion } from '@l1g1/contracts';
import { errors } from '@l1g1/kit';
import { errorBody } from '../../http-errors';
import { publicError, sanitizeUpstreamError } from '../../sanitize';
import type { Upstream } from '../../upstreams';
import { rpc } from '../common';
import { isTerminal, jobJson, jobStateName } from './ingestion-json';
import { openEventStream } from '../event-stream';

export interface JobEventOptions {
  pollMs: number;
  heartbeatMs: number;
  /** A stream ends (the client may reconnect) after this long, so none is held forever. */
  maxLifeMs: number;
}

export async function streamJobEvents(
  client: ingestion.IngestionServiceClient,
  guard: Upstream,
  req: FastifyRequest,
  reply: FastifyReply,
  jobId: string,
  options: JobEventOptions,
  open: Set<() => void>,
): Promise<void> {
  const getJob = (): Promise<ingestion.IngestionJob> => rpc(guard, client.getJob.bind(client), { jobId }, req);
  // An unknown job is a 404 now, not a stream that errors and an EventSource reconnecting forever.
  let job = await getJob();
  const res = openEventStream(reply, `watching job ${jobId}`);
  let seq = 0;
  let lastState = '';
  let lastProgress = '';
  const emit = (j: ingestion.IngestionJob): void => {
    const body = jobJson(j);
    const progress = JSON.stringify([body.progress, body.counters, body.message]);
    if (progress !== lastProgress) {
      lastProgress = progress;
      res.write(`id: ${++seq}\nevent: progress\ndata: ${JSON.stringify({ job_id: body.job_id, state: body.state, progress: body.progress, counters: body.counters, message: body.message })}\n\n`);
    }
    const state = jobStateName(j.status?.state ?? 0);
    if (state !== lastState) {
      lastState = state;
      res.write(`id: ${++seq}\nevent: state\ndata: ${JSON.stringify(body)}\n\n`);
    }
  };
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  const heartbeat = setInterval(() => res.write(`: heartbeat ${Date.now()}\n\n`), options.heartbeatMs);
  const deadline = Date.now() + options.maxLifeMs;
  const close = (): void => {
    if (closed) return;
    closed = true;
    open.delete(close);
    clearInterval(heartbeat);
    if (timer) clearTimeout(timer);
    res.end();
  };
  open.add(close);
  res.on('close', close);
  const tick = async (): Promise<void> => {
    if (closed) return;
    emit(job);
    if (isTerminal(job.status?.state)) return close();
    if (Date.now() > deadline) {
      res.write(`event: error\ndata: ${JSON.stringify(errorBody(errors.deadlineExceeded('the event stream reached its maximum life; reconnect to go on', { reason: 'STREAM_EXPIRED' })))}\n\n`);
      return close();
    }
    timer = setTimeout(() => {
      getJob().then(
        (j) => {
          job = j;
          void tick();
        },
        (err: unknown) => {
          if (closed) return;
          const e = publicError(sanitizeUpstreamError('ingestion', err)).error;
          res.write(`event: error\ndata: ${JSON.stringify(errorBody(e))}\n\n`);
          close();
        },
      );
    }, options.pollMs);
  };
  await tick();
}
