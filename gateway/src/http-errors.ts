import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { asL1g1Error, errors, grpcToHttpStatus, L1g1Error, type Logger } from '@l1g1/kit';

/** The body of every error answer. */
export interface ErrorBody {
  error: { code: string; reason: string; message: string; field?: string };
}

/** Fastify's own errors (body too large, bad JSON ...) into the catalogue. */
function fromFastify(err: FastifyError): L1g1Error | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new L1g1Error('INVALID_ARGUMENT', err.message, { reason: 'BODY_TOO_LARGE' });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return errors.invalidArgument('content-type', err.message, { reason: 'UNSUPPORTED_MEDIA_TYPE' });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return errors.invalidArgument('body', err.message);
    default:
      if (err instanceof SyntaxError || err.statusCode === 400) return errors.invalidArgument('body', `invalid JSON: ${err.message}`, { reason: 'INVALID_JSON' });
      return undefined;
  }
}

/** Status for a domain error: the one gRPC→HTTP table, plus 413 for size. */
export function httpStatusOf(e: L1g1Error): number {
  if (e.reason === 'BODY_TOO_LARGE' || e.reason === 'ARTIFACT_TOO_LARGE') return 413;
  if (e.reason === 'UNSUPPORTED_MEDIA_TYPE') return 415;
  return grpcToHttpStatus(e.grpcCode);
}

export function errorBody(e: L1g1Error): ErrorBody {
  return { error: { code: e.kind, reason: e.reason, message: e.message, ...(e.field ? { field: e.field } : {}) } };
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

export function sendError(reply: FastifyReply, err: unknown, logger: Logger): FastifyReply {
  const fastifyErr = err as FastifyError;
  const e = (typeof fastifyErr?.code === 'string' && fastifyErr.code.startsWith('FST_') ? fromFastify(fastifyErr) : undefined) ?? asL1g1Error(err);
  const status = httpStatusOf(e);
  if (status >= 500 && e.kind === 'INTERNAL') logger.error({ err }, 'request failed');
  setRetryAfter(reply, e);
  return reply.code(status).type('application/json').send(errorBody(e));
}

export function errorHandler(logger: Logger) {
  return (err: unknown, _req: FastifyRequest, reply: FastifyReply): FastifyReply => sendError(reply, err, logger);
}
