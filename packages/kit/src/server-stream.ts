/**
 * Reading a server-streaming gRPC call as a domain stream: every message in
 * order, the call cancelled when `signal` aborts (the caller stopped
 * reading, or its job was cancelled), and a gRPC status turned back into an
 * L1g1Error so a client fault upstream stays a client fault here.
 */
import { fromServiceError, isServiceError } from './errors';

/** The part of a grpc-js ClientReadableStream this needs. */
export interface CancellableStream<M> extends AsyncIterable<M> {
  cancel(): void;
}

export async function* readServerStream<M>(call: CancellableStream<M>, signal: AbortSignal): AsyncGenerator<M> {
  const onAbort = (): void => call.cancel();
  signal.addEventListener('abort', onAbort);
  try {
    for await (const message of call) yield message;
  } catch (err: unknown) {
    throw isServiceError(err) ? fromServiceError(err) : err;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
