/**
 * Server-Sent Events of one job over a service's WatchJob stream (the
 * trainer's, labeling's): each event carries `id: <sequence>`, so a
 * reconnecting EventSource sends `Last-Event-ID` and WatchJob's
 * `after_sequence` replays exactly what it missed (nothing lost, nothing
 * twice). Comment heartbeats keep idle connections alive through proxies; a
 * stream ends after the event of a terminal state, or after its maximum life
 * (the client reconnects).
 */
import type { ClientReadableStream } from '@grpc/grpc-js';
import type { FastifyReply } from 'fastify';
import { errors, pauseUntilDrained } from '@l1g1/kit';
import { errorBody } from '../http-errors';
import { publicError, sanitizeUpstreamError } from '../sanitize';
import type { Upstream } from '../upstreams';
import { holdEventStream, openEventStream } from './event-stream';

export interface JobEventStreamOptions {
  heartbeatMs: number;
  /** A stream ends (the client may reconnect) after this long, so none is held forever. */
  maxLifeMs: number;
}

export interface JobEventSource<E> {
  /** Checks the job exists before the answer starts (an unknown job is a 404, not a 200 stream that errors and an EventSource reconnecting forever). */
  check(): Promise<unknown>;
  /** Opens the WatchJob stream. */
  watch(): ClientReadableStream<E>;
  /** SSE name and data of an event; undefined skips it (a kind added after this gateway was built). */
  json(e: E): { name: string; data: unknown } | undefined;
  sequence(e: E): number;
  /** Whether the event reports a terminal state (the stream ends after it). */
  terminal(e: E): boolean;
}

export async function relayJobEvents<E>(
  guard: Upstream,
  reply: FastifyReply,
  jobId: string,
  source: JobEventSource<E>,
  options: JobEventStreamOptions,
  open: Set<() => void>,
): Promise<void> {
  await source.check();
  const stream = source.watch();
  const res = openEventStream(reply, `watching ${guard.name} job ${jobId}`);
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
  stream.on('data', (e: E) => {
    if (held.closed) return;
    const json = source.json(e);
    if (json && !res.write(`id: ${source.sequence(e)}\nevent: ${json.name}\ndata: ${JSON.stringify(json.data)}\n\n`)) {
      // A slow reader holds the upstream stream back instead of the gateway's memory.
      pauseUntilDrained(stream, res);
    }
    if (source.terminal(e)) close();
  });
  stream.on('error', (err) => {
    if (held.closed) return;
    const e = publicError(sanitizeUpstreamError(guard.name, err)).error;
    if (e.kind !== 'CANCELLED') res.write(`event: error\ndata: ${JSON.stringify(errorBody(e))}\n\n`);
    close();
  });
  stream.on('end', close);
}
