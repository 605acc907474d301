import { randomUUID } from 'node:crypto';
import { asL1g1Error, ERROR_DETAIL_KEY, isServiceError, L1g1Error, type ErrorKind } from '@l1g1/kit';

/**
 * What leaves the gateway in an error answer. Messages our services wrote
 * (they travel with the `l1g1-error-bin` detail trailer) are passed on;
 * statuses made by the gRPC transport itself (deadline, connection refused,
 * a peer that crashed) carry grpc-js text with addresses and timings, so they
 * are replaced by a stable sentence. INTERNAL never says more than an
 * incident id; the detail goes to the log under that id.
 */

const TRANSPORT_MESSAGES: Partial<Record<ErrorKind, (upstream: string) => string>> = {
  DEADLINE_EXCEEDED: (u) => `${u} service did not answer in time`,
  UNAVAILABLE: (u) => `${u} service is unavailable; retry shortly`,
  CANCELLED: (u) => `the call to the ${u} service was cancelled`,
  RESOURCE_EXHAUSTED: (u) => `${u} service is overloaded; retry shortly`,
  UNIMPLEMENTED: (u) => `${u} service does not implement this call`,
};

/** True when a status came from the gRPC transport rather than from our error catalogue. */
function fromTransport(e: L1g1Error): boolean {
  const cause = e.cause;
  return isServiceError(cause) && cause.metadata.get(ERROR_DETAIL_KEY).length === 0;
}

/** An error from an upstream call with transport text replaced by a stable message naming the upstream. */
export function sanitizeUpstreamError(upstream: string, err: unknown): L1g1Error {
  const e = asL1g1Error(err);
  if (!fromTransport(e)) return e;
  const message = TRANSPORT_MESSAGES[e.kind];
  if (!message) return e; // INTERNAL / UNKNOWN: the error handler gives them an incident id.
  return new L1g1Error(e.kind, message(upstream), { reason: e.kind === 'DEADLINE_EXCEEDED' ? 'UPSTREAM_TIMEOUT' : e.reason, retryAfterMs: e.retryAfterMs, cause: e });
}

const INCIDENT_MESSAGE = /^internal error \(incident [0-9a-f-]{36}\)$/;

/** The error as a client may see it, plus the incident id to log it under (INTERNAL only). */
export function publicError(err: L1g1Error): { error: L1g1Error; incident?: string } {
  if (err.kind === 'INTERNAL') {
    // A service that already logged the detail under an incident id: keep its id, so logs join up.
    if (INCIDENT_MESSAGE.test(err.message)) return { error: new L1g1Error('INTERNAL', err.message, { cause: err }), incident: /incident ([0-9a-f-]+)/.exec(err.message)![1] };
    const incident = randomUUID();
    return { error: new L1g1Error('INTERNAL', `internal error (incident ${incident})`, { cause: err }), incident };
  }
  // Only text that came from a service is suspect; the gateway's own messages are written for clients.
  if (!isServiceError(err.cause)) return { error: err };
  const message = (fromTransport(err) ? TRANSPORT_MESSAGES[err.kind]?.('upstream') : undefined) ?? redact(err.message);
  return message === err.message ? { error: err } : { error: new L1g1Error(err.kind, message, { reason: err.reason, field: err.field, retryAfterMs: err.retryAfterMs, cause: err }) };
}

// Defence in depth for messages written by our services: host paths (ORT load
// errors quote them), file URIs and socket addresses never reach a client.
const FILE_URI = /file:\/\/[^\s"'`)]*/g;
// Socket addresses as transports print them: with a port, or after `remote_addr=`; IPv6 in
// brackets has a colon. A bare dotted name (a model called `10.0.0.1`) and field paths such as
// `inputs[0].shape` are left alone.
const ADDRESS = /\bremote_addr=[^\s,]+|\b(?:\d{1,3}\.){3}\d{1,3}:\d+\b|\[[0-9a-f]*:[0-9a-f:]*\](?::\d+)?/gi;
// An absolute path of two or more segments, except our own URL paths (/v1/..., /v2/...).
const HOST_PATH = /(?<![\w.:/])\/(?!v[12]\/)(?:[\w.@+-]+\/)+[\w.@+-]*/g;

/** Removes host paths, file URIs and addresses from a message. */
export function redact(message: string): string {
  return message.replace(FILE_URI, '<path>').replace(ADDRESS, '<address>').replace(HOST_PATH, '<path>');
}
