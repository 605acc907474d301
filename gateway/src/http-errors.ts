import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { asL1g1Error, errors, grpcToHttpStatus, L1g1Error, type Logger } from '@l1g1/kit';
import { publicError } from './sanitize';

/** The body of every `/v1` error answer. */
export interface ErrorBody {
  error: { code: string; reason: string; message: string; field?: string };
}

/** Fastify's own errors (body too large, bad JSON, bad URL ...) into the catalogue. */
function fromFastify(err: FastifyError): L1g1Error | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new L1g1Error('INVALID_ARGUMENT', `body: request body is larger than the limit`, { reason: 'BODY_TOO_LARGE', field: 'body' });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return errors.invalidArgument('content-type', 'unsupported media type: send application/json (or application/octet-stream where the route takes raw bytes)', { reason: 'UNSUPPORTED_MEDIA_TYPE' });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return errors.invalidArgument('body', 'is empty but the content type says JSON');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return errors.invalidArgument('content-length', 'does not match the body');
    case 'FST_ERR_BAD_URL':
      return errors.invalidArgument('url', 'is not a valid URL: a path segment has a bad percent-encoding', { reason: 'INVALID_URL' });
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return errors.invalidArgument('url', 'a path segment is longer than any valid name', { reason: 'URI_TOO_LONG' });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return errors.invalidArgument('body', 'is not valid JSON', { reason: 'INVALID_JSON' });
    default:
      if (err instanceof SyntaxError) return errors.invalidArgument('body', 'is not valid JSON', { reason: 'INVALID_JSON' });
      if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) return errors.invalidArgument('request', err.message);
      return undefined;
  }
}

/** Any thrown value as a catalogue error (fastify's own codes included). */
export function toL1g1Error(err: unknown): L1g1Error {
  const code = (err as Partial<FastifyError> | undefined)?.code;
  return (typeof code === 'string' && code.startsWith('FST_') ? fromFastify(err as FastifyError) : undefined) ?? asL1g1Error(err);
}

/** Status for a domain error: the one gRPC→HTTP table, plus 413/414/415 for the request's envelope. */
export function httpStatusOf(e: L1g1Error): number {
  if (e.reason === 'BODY_TOO_LARGE' || e.reason === 'ARTIFACT_TOO_LARGE') return 413;
  if (e.reason === 'URI_TOO_LONG') return 414;
  if (e.reason === 'UNSUPPORTED_MEDIA_TYPE') return 415;
  return grpcToHttpStatus(e.grpcCode);
}

export function errorBody(e: L1g1Error): ErrorBody {
  return { error: { code: e.kind, reason: e.reason, message: e.message, ...(e.field ? { field: e.field } : {}) } };
}

/** OIP (KServe v2) clients expect `{"error": "<message>"}` on every `/v2` answer. */
export function isOipUrl(url: string): boolean {
  return url === '/v2' || url.startsWith('/v2/') || url.startsWith('/v2?');
}

/**
 * The one place Retry-After is computed: every refusal (429, 503) and every
 * error that carries a retry hint says when to come back, in whole seconds
 * (at least 1; 1 s when the error gave no hint).
 */
export function setRetryAfter(reply: FastifyReply, e: L1g1Error): void {
  const status = httpStatusOf(e);
  if (e.retryAfterMs > 0 || status === 429 || status === 503) {
    reply.header('retry-after', String(Math.max(1, Math.ceil((e.retryAfterMs || 1000) / 1000))));
  }
}

/** Answers `err` in the dialect of the request's URL, sanitised; INTERNAL is logged under its incident id. */
export function sendError(req: FastifyRequest, reply: FastifyReply, err: unknown, logger: Logger): FastifyReply {
  const { error: e, incident } = publicError(toL1g1Error(err));
  const status = httpStatusOf(e);
  if (incident) logger.error({ err, incident, url: req.url.split('?')[0] }, 'request failed');
  setRetryAfter(reply, e);
  return reply.code(status).type('application/json').send(isOipUrl(req.url) ? { error: e.message } : errorBody(e));
}

export function errorHandler(logger: Logger) {
  return (err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply => sendError(req, reply, err, logger);
}

/** Route 404s, in the same shapes as every other error. */
export function notFoundHandler(logger: Logger) {
  return (req: FastifyRequest, reply: FastifyReply): FastifyReply =>
    sendError(req, reply, new L1g1Error('NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]!.slice(0, 200)}`, { reason: 'ROUTE_NOT_FOUND' }), logger);
}

/**
 * `frameworkErrors` hook: errors fastify raises before routing (bad
 * percent-encoding, a path segment over `maxParamLength`) in our shapes.
 */
export function frameworkErrorHandler(logger: Logger) {
  return (err: FastifyError, req: FastifyRequest, reply: FastifyReply): void => {
    sendError(req, reply, err, logger);
  };
}
