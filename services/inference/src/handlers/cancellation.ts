import type { ServerUnaryCall } from '@grpc/grpc-js';

/**
 * An AbortSignal that fires when the caller goes away (cancel, deadline,
 * dropped connection), so queued work it no longer waits for is not run.
 */
export function cancellation(call: ServerUnaryCall<unknown, unknown>): AbortSignal {
  const ctrl = new AbortController();
  if (call.cancelled) ctrl.abort();
  else call.once('cancelled', () => ctrl.abort());
  return ctrl.signal;
}
