/**
 * A raw HTTP body relayed into a client-streaming RPC, never buffered whole:
 * the route's head messages first (the header), then the body's bytes as
 * chunk messages with backpressure (a full gRPC buffer pauses the HTTP body).
 * Past `maxBytes` the call is cancelled and the answer is a 400 naming
 * `body`; a client that goes away cancels the call, and the service then
 * keeps nothing. Registry artifact uploads and labeling imports share it.
 */
import type { ClientWritableStream, Metadata, requestCallback } from '@grpc/grpc-js';
import type { FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { errors, fromServiceError, L1g1Error, pauseUntilDrained } from '@l1g1/kit';
import { forwardMetadata, intParam } from './common';

/** Opens the client-streaming call (a bound grpc-js method). */
export type OpenClientStream<Req, Res> = (metadata: Metadata, options: { deadline: number }, callback: requestCallback<Res>) => ClientWritableStream<Req>;

export interface BodyRelayOptions<Req> {
  /** Whole body; a declared or received size past it is refused with BODY_TOO_LARGE on `body`. */
  maxBytes: number;
  /** What the body is, in refusals ("artifact", "the import"). */
  what: string;
  deadlineMs: number;
  /** Messages written before the first chunk (the header, a file start). */
  head: readonly Req[];
  chunk(bytes: Buffer): Req;
  /**
   * Reads the body into request messages as it arrives (an archive's
   * members), in place of one `chunk` message per body chunk. The answer
   * pipes `body` into itself; its error (an L1g1Error) is the refusal.
   */
  frames?: (body: Readable) => Readable;
  /** The refusal of a body that is not a stream (the route's content types). */
  notAStream: L1g1Error;
}

/** The declared Content-Length (0 when none), refused before any call when it is past `maxBytes`. */
export function declaredBodyBytes(req: FastifyRequest, maxBytes: number, what: string): number {
  const declared = req.headers['content-length'] === undefined ? 0 : intParam(req.headers['content-length'], 'content-length', { max: Number.MAX_SAFE_INTEGER });
  if (declared > maxBytes) throw tooLarge(`${what} of ${declared} bytes exceeds the upload limit of ${maxBytes}`);
  return declared;
}

function tooLarge(message: string): L1g1Error {
  return new L1g1Error('INVALID_ARGUMENT', `body: ${message}`, { reason: 'BODY_TOO_LARGE', field: 'body' });
}

/** The one outcome of an upload relay: the first of the service's answer, a refusal or an abort. */
export interface UploadSettle<Res> {
  readonly settled: boolean;
  finish(err: unknown, value?: Res): void;
}

/** Settles an upload's promise once; on a failure the rest of the body is drained unread. */
export function settleUpload<Res>(body: Readable, resolve: (value: Res) => void, reject: (err: unknown) => void): UploadSettle<Res> {
  let settled = false;
  return {
    get settled() {
      return settled;
    },
    finish(err, value) {
      if (settled) return;
      settled = true;
      if (err) {
        // The service refused early (a bad header, a malformed file, overload): stop relaying and let the rest of the body drain.
        body.unpipe();
        body.resume();
        reject(err);
      } else resolve(value as Res);
    },
  };
}

/** Streams the request body into the call opened by `open`; resolves with the service's answer. */
export function relayBody<Req, Res>(req: FastifyRequest, open: OpenClientStream<Req, Res>, options: BodyRelayOptions<Req>): Promise<Res> {
  declaredBodyBytes(req, options.maxBytes, options.what);
  const body = req.body as Readable | undefined;
  if (!body || typeof body.on !== 'function') return Promise.reject(options.notAStream);
  return new Promise<Res>((resolve, reject) => {
    const settle = settleUpload<Res>(body, resolve, reject);
    const finish = settle.finish;
    const call = open(forwardMetadata(req), { deadline: Date.now() + options.deadlineMs }, (err, value) => (err ? finish(fromServiceError(err)) : finish(null, value)));
    const abort = (err: L1g1Error): void => {
      if (settle.settled) return;
      call.cancel();
      finish(err);
    };
    for (const m of options.head) call.write(m);
    let received = 0;
    const framed = options.frames?.(body);
    body.on('data', (chunk: Buffer) => {
      if (settle.settled) return;
      received += chunk.length;
      if (received > options.maxBytes) return abort(tooLarge(`${options.what} exceeds the upload limit of ${options.maxBytes} bytes`));
      if (!framed && !call.write(options.chunk(chunk))) pauseUntilDrained(body, call);
    });
    const messages: Readable = framed ?? body;
    if (framed) {
      framed.on('data', (m: Req) => {
        if (!settle.settled && !call.write(m)) pauseUntilDrained(framed, call);
      });
      framed.on('error', (err) => abort(err instanceof L1g1Error ? err : errors.invalidArgument('body', 'is unreadable')));
    }
    messages.on('end', () => {
      if (!settle.settled) call.end();
    });
    // The client went away mid-upload: cancel, so the service discards it.
    body.on('error', () => abort(errors.cancelled('upload interrupted by the client')));
    req.raw.on('aborted', () => abort(errors.cancelled('upload interrupted by the client')));
  });
}
