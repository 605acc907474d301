/**
 * POST /v1/benchmarks as Server-Sent Events over the evaluator's streamed
 * Benchmark: one `result` event per batch size as soon as it is measured,
 * then `done` (with the run id and the count), or `error`. A client that
 * goes away cancels the gRPC stream, so the evaluator stops measuring (and
 * stops loading the inference service) instead of running to the end.
 *
 * The answer's status is held back until the evaluator's first message or
 * a short grace: a refused request (unknown model, a device the service
 * does not have, a bad batch size) comes back at once as a proper 4xx/503
 * rather than a 200 stream whose only event is an error.
 */
import type { ClientReadableStream } from '@grpc/grpc-js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { evaluator } from '@l1g1/contracts';
import { errors, pauseUntilDrained } from '@l1g1/kit';
import { errorBody } from '../../http-errors';
import { publicError, sanitizeUpstreamError } from '../../sanitize';
import type { Upstream } from '../../upstreams';
import { forwardMetadata, guarded } from '../common';
import { holdEventStream, openEventStream } from '../event-stream';
import { benchmarkResultJson } from './evaluator-json';

export interface BenchmarkStreamOptions {
  heartbeatMs: number;
  /** The stream ends with an `error` event after this long, so none is held forever. */
  maxLifeMs: number;
  /** Longest wait for the evaluator's first message before the 200 goes out. */
  graceMs: number;
}

type First = { kind: 'data'; result: evaluator.BenchmarkResult } | { kind: 'end' } | { kind: 'pending' };

/** Resolves with the stream's first message or end, or `pending` after `graceMs`; rejects with its error. */
function firstMessage(stream: ClientReadableStream<evaluator.BenchmarkResult>, graceMs: number): Promise<First> {
  return new Promise<First>((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
    };
    const onData = (result: evaluator.BenchmarkResult): void => {
      done();
      // Held until the relay below listens, so no later message slips past.
      stream.pause();
      resolve({ kind: 'data', result });
    };
    const onEnd = (): void => {
      done();
      resolve({ kind: 'end' });
    };
    const onError = (err: Error): void => {
      done();
      reject(err);
    };
    const timer = setTimeout(() => {
      done();
      stream.pause();
      resolve({ kind: 'pending' });
    }, graceMs);
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
  });
}

export async function streamBenchmark(
  client: evaluator.EvaluatorServiceClient,
  guard: Upstream,
  req: FastifyRequest,
  reply: FastifyReply,
  request: evaluator.BenchmarkRequest,
  options: BenchmarkStreamOptions,
  open: Set<() => void>,
): Promise<void> {
  let stream: ClientReadableStream<evaluator.BenchmarkResult> | undefined;
  // Through the breaker: a dead evaluator counts (and an open breaker answers 503 at once); a refused request does not.
  const first = await guarded(guard, () => {
    stream = client.benchmark(request, forwardMetadata(req), {});
    return firstMessage(stream, options.graceMs);
  }).catch((err: unknown) => {
    stream?.cancel();
    throw err;
  });
  const call = stream!;
  const res = openEventStream(reply, `benchmark of ${request.model?.name ?? ''}`);
  let runId = '';
  let results = 0;
  const held = holdEventStream(
    res,
    {
      heartbeatMs: options.heartbeatMs,
      maxLifeMs: options.maxLifeMs,
      expired: errors.deadlineExceeded("the benchmark ran past the stream's maximum life; its finished results are stored under run_id", { reason: 'STREAM_EXPIRED' }),
      // A client gone (or a gateway shutting down) stops the measurement upstream.
      onClose: () => call.cancel(),
    },
    open,
  );
  const close = held.close;
  const send = (r: evaluator.BenchmarkResult): void => {
    runId = r.runId;
    results++;
    if (!res.write(`id: ${results}\nevent: result\ndata: ${JSON.stringify(benchmarkResultJson(r))}\n\n`)) pauseUntilDrained(call, res);
  };
  const finish = (): void => {
    if (held.closed) return;
    res.write(`event: done\ndata: ${JSON.stringify({ run_id: runId, results })}\n\n`);
    close();
  };
  if (first.kind === 'end') return finish();
  if (first.kind === 'data') send(first.result);
  call.on('data', (r: evaluator.BenchmarkResult) => {
    if (!held.closed) send(r);
  });
  call.on('error', (err) => {
    if (held.closed) return;
    const e = publicError(sanitizeUpstreamError('evaluator', err)).error;
    if (e.kind !== 'CANCELLED') res.write(`event: error\ndata: ${JSON.stringify(errorBody(e))}\n\n`);
    close();
  });
  call.on('end', finish);
  call.resume();
}
