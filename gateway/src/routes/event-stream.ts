/**
 * Starts a server-sent-events answer: takes the reply over from fastify,
 * writes the SSE headers (no caching, no proxy buffering), the client's
 * reconnect delay and a first comment line. Every SSE route opens its stream
 * here so they all answer with the same headers.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';

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
