/**
 * Server-Sent Events of one training job over the trainer's WatchJob stream.
 * Each event carries `id: <sequence>`, so a reconnecting EventSource sends
 * `Last-Event-ID` and WatchJob's `after_sequence` replays exactly what it
 * missed (nothing lost, nothing twice). Comment heartbeats keep idle
 * connections alive through proxies; a stream ends after the event of a
 * terminal state, or after its maximum life (the client reconnects).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { trainer } from '@l1g1/contracts';
import { errors, pauseUntilDrained } from '@l1g1/kit';
import { errorBody } from '../../http-errors';
import { publicError, sanitizeUpstreamError } from '../../sanitize';
import type { Upstream } from '../../upstreams';
import { forwardMetadata, rpc } from '../common';
import { isTerminalEvent, trainingEventJson } from './trainer-json';
import { holdEventStream, openEventStream } from '../event-stream';

export interface TrainingEventOptions {
  heartbeatMs: number;
  /** A stream ends (the client may reconnect) after this long, so none is held forever. */
  maxLifeMs: number;
}

export async function streamTrainingEvents(
  client: trainer.TrainerServiceClient,
  guard: Upstream,
  req: FastifyRequest,
  reply: FastifyReply,
  request: { jobId: string; afterSequence: number },
  options: TrainingEventOptions,
  open: Set<() => void>,
): Promise<void> {
  // An unknown job is a 404 now, not a 200 stream that errors and an EventSource reconnecting forever.
  await rpc(guard, client.getJob.bind(client), { jobId: request.jobId }, req);
  const stream = client.watchJob(request, forwardMetadata(req), {});
  const res = openEventStream(reply, `watching training job ${request.jobId}`);
  const held = holdEventStream(
    res,
    {
      heartbeatMs: options.heartbeatMs,
      maxLifeMs: options.maxLifeMs,
      expired: errors.deadlineExceeded('the event stream reached its maximum life; reconnect with Last-Event-ID to go on', { reason: 'STREAM_EXPIRED' }),
      onClose: () => stream.cancel(),
    },
    open,
  );
  const close = held.close;
  stream.on('data', (e: trainer.TrainingEvent) => {
    if (held.closed) return;
    const json = trainingEventJson(e);
    if (json && !res.write(`id: ${e.sequence}\nevent: ${json.name}\ndata: ${JSON.stringify(json.data)}\n\n`)) {
      // A slow reader holds the upstream stream back instead of the gateway's memory.
      pauseUntilDrained(stream, res);
    }
    if (isTerminalEvent(e)) close();
  });
  stream.on('error', (err) => {
    if (held.closed) return;
    const e = publicError(sanitizeUpstreamError('trainer', err)).error;
    if (e.kind !== 'CANCELLED') res.write(`event: error\ndata: ${JSON.stringify(errorBody(e))}\n\n`);
    close();
  });
  stream.on('end', close);
}
