/**
 * Starts a server-sent-events answer: takes the reply over from fastify,
 * writes the SSE headers (no caching, no proxy buffering), the client's
 * reconnect delay and a first comment line. Every SSE route opens its stream
 * here so they all answer with the same headers.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import type { L1g1Error } from '@l1g1/kit';
import { errorBody } from '../http-errors';

export function openEventStream(reply: FastifyReply, comment: string): ServerResponse {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write(`retry: 2000\n: ${comment}\n\n`);
  return res;
}

export interface HeldStreamOptions {
  heartbeatMs: number;
  /** The stream ends with an `error` event carrying `expired` after this long, so none is held forever. */
  maxLifeMs: number;
  expired: L1g1Error;
  /** Called once when the stream closes for any reason (client gone, shutdown, expiry, end): cancel the upstream here. */
  onClose(): void;
}

/**
 * The life of a relayed SSE answer, one way for every route: comment
 * heartbeats (they keep idle connections open through proxies), a maximum
 * life, and one `close` that runs on the client leaving, on gateway shutdown
 * (it is kept in `open` until then) or when the relay ends it.
 */
export function holdEventStream(res: ServerResponse, options: HeldStreamOptions, open: Set<() => void>): { close(): void; readonly closed: boolean } {
  let closed = false;
  const heartbeat = setInterval(() => res.write(`: heartbeat ${Date.now()}\n\n`), options.heartbeatMs);
  const close = (): void => {
    if (closed) return;
    closed = true;
    open.delete(close);
    clearInterval(heartbeat);
    clearTimeout(expiry);
    options.onClose();
    res.end();
  };
  const expiry = setTimeout(() => {
    res.write(`event: error\ndata: ${JSON.stringify(errorBody(options.expired))}\n\n`);
    close();
  }, options.maxLifeMs);
  open.add(close);
  res.on('close', close);
  return {
    close,
    get closed() {
      return closed;
    },
  };
}
