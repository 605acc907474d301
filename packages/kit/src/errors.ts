import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { common } from '@l1g1/contracts';
import { randomUUID } from 'node:crypto';
import type { Logger } from './logger';

/**
 * The one error catalogue. Domain code throws `L1g1Error`s built by the
 * factories below; each kind maps to exactly one gRPC status (here) and each
 * gRPC status to one HTTP status (`grpcToHttpStatus`). Anything else that
 * escapes a handler is a bug: it becomes INTERNAL, logged in full, never sent.
 */
export type ErrorKind =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'FAILED_PRECONDITION'
  | 'RESOURCE_EXHAUSTED'
  | 'UNAVAILABLE'
  | 'DEADLINE_EXCEEDED'
  | 'PERMISSION_DENIED'
  | 'UNAUTHENTICATED'
  | 'CANCELLED'
  | 'ABORTED'
  | 'OUT_OF_RANGE'
  | 'UNIMPLEMENTED'
  | 'INTERNAL';

const KIND_TO_GRPC: Readonly<Record<ErrorKind, status>> = {
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  NOT_FOUND: status.NOT_FOUND,
  ALREADY_EXISTS: status.ALREADY_EXISTS,
  FAILED_PRECONDITION: status.FAILED_PRECONDITION,
  RESOURCE_EXHAUSTED: status.RESOURCE_EXHAUSTED,
  UNAVAILABLE: status.UNAVAILABLE,
  DEADLINE_EXCEEDED: status.DEADLINE_EXCEEDED,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  CANCELLED: status.CANCELLED,
  ABORTED: status.ABORTED,
  OUT_OF_RANGE: status.OUT_OF_RANGE,
  UNIMPLEMENTED: status.UNIMPLEMENTED,
  INTERNAL: status.INTERNAL,
};

const GRPC_TO_KIND = new Map<status, ErrorKind>(
  Object.entries(KIND_TO_GRPC).map(([kind, code]) => [code, kind as ErrorKind]),
);

/** The single gRPC → HTTP table (gateway). */
export const GRPC_TO_HTTP: Readonly<Record<number, number>> = {
  [status.OK]: 200,
  [status.CANCELLED]: 499,
  [status.UNKNOWN]: 500,
  [status.INVALID_ARGUMENT]: 400,
  [status.DEADLINE_EXCEEDED]: 504,
  [status.NOT_FOUND]: 404,
  [status.ALREADY_EXISTS]: 409,
  [status.PERMISSION_DENIED]: 403,
  [status.RESOURCE_EXHAUSTED]: 429,
  // google.rpc.Code: FAILED_PRECONDITION is 400 (412 is for conditional headers).
  [status.FAILED_PRECONDITION]: 400,
  [status.ABORTED]: 409,
  [status.OUT_OF_RANGE]: 400,
  [status.UNIMPLEMENTED]: 501,
  [status.INTERNAL]: 500,
  [status.UNAVAILABLE]: 503,
  [status.DATA_LOSS]: 500,
  [status.UNAUTHENTICATED]: 401,
};

export function grpcToHttpStatus(code: number): number {
  return GRPC_TO_HTTP[code] ?? 500;
}

/** Client faults: a breaker must never count these as upstream failures. */
export const CLIENT_FAULT_CODES: ReadonlySet<number> = new Set([
  status.INVALID_ARGUMENT,
  status.NOT_FOUND,
  status.ALREADY_EXISTS,
  status.FAILED_PRECONDITION,
  status.PERMISSION_DENIED,
  status.UNAUTHENTICATED,
  status.OUT_OF_RANGE,
  status.CANCELLED,
  status.RESOURCE_EXHAUSTED,
  status.ABORTED,
  status.UNIMPLEMENTED,
]);

export interface ErrorOptions {
  /** Stable UPPER_SNAKE reason, e.g. MODEL_NOT_FOUND. */
  reason?: string;
  /** Request field path, e.g. `inputs[0].shape`. */
  field?: string;
  metadata?: Record<string, string>;
  retryAfterMs?: number;
  cause?: unknown;
}

export class L1g1Error extends Error {
  readonly kind: ErrorKind;
  readonly reason: string;
  readonly field: string;
  readonly metadata: Record<string, string>;
  readonly retryAfterMs: number;

  constructor(kind: ErrorKind, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'L1g1Error';
    this.kind = kind;
    this.reason = options.reason ?? kind;
    this.field = options.field ?? '';
    this.metadata = options.metadata ?? {};
    this.retryAfterMs = options.retryAfterMs ?? 0;
  }

  get grpcCode(): status {
    return KIND_TO_GRPC[this.kind];
  }

  toDetail(): common.ErrorDetail {
    return {
      reason: this.reason,
      field: this.field,
      message: this.message,
      metadata: this.metadata,
      retryAfterMs: this.retryAfterMs,
    };
  }
}

export const errors = {
  invalidArgument: (field: string, message: string, o: ErrorOptions = {}) =>
    new L1g1Error('INVALID_ARGUMENT', field ? `${field}: ${message}` : message, {
      reason: 'INVALID_ARGUMENT',
      ...o,
      field,
    }),
  notFound: (what: string, o: ErrorOptions = {}) => new L1g1Error('NOT_FOUND', `${what} not found`, o),
  alreadyExists: (what: string, o: ErrorOptions = {}) => new L1g1Error('ALREADY_EXISTS', `${what} already exists`, o),
  failedPrecondition: (message: string, o: ErrorOptions = {}) => new L1g1Error('FAILED_PRECONDITION', message, o),
  resourceExhausted: (message: string, retryAfterMs: number, o: ErrorOptions = {}) =>
    new L1g1Error('RESOURCE_EXHAUSTED', message, { ...o, retryAfterMs }),
  unavailable: (message: string, o: ErrorOptions = {}) => new L1g1Error('UNAVAILABLE', message, o),
  deadlineExceeded: (message: string, o: ErrorOptions = {}) => new L1g1Error('DEADLINE_EXCEEDED', message, o),
  cancelled: (message: string, o: ErrorOptions = {}) => new L1g1Error('CANCELLED', message, o),
  internal: (message: string, o: ErrorOptions = {}) => new L1g1Error('INTERNAL', message, o),
  unimplemented: (message: string, o: ErrorOptions = {}) => new L1g1Error('UNIMPLEMENTED', message, o),
};

export const ERROR_DETAIL_KEY = 'l1g1-error-bin';

/** The only text an INTERNAL answer carries: stable, with the id that finds the logged detail. */
export function internalErrorMessage(incident: string): string {
  return `internal error (incident ${incident})`;
}

/** Stable texts for transport failures passing through (their own text names addresses and timings). */
const PASS_THROUGH_MESSAGES: Readonly<Partial<Record<number, string>>> = {
  [status.UNAVAILABLE]: 'a service this call depends on is unavailable',
  [status.DEADLINE_EXCEEDED]: 'a service this call depends on did not answer in time',
};

/**
 * Turns anything thrown by a handler into a grpc-js status. An INTERNAL
 * error, ours or not, answers a stable message and an incident id (also in
 * the detail's metadata as `incident_id`); its own message, cause and stack
 * go to the log only. Failures of our own services passing through keep
 * their status and detail; other gRPC failures (transport texts naming
 * addresses and timings) keep their status with a stable message.
 */
export function toServiceError(err: unknown, logger?: Logger): Partial<ServiceError> {
  const metadata = new Metadata();
  const internal = (reason: string, logged: Record<string, unknown>): Partial<ServiceError> => {
    const incident = randomUUID();
    logger?.error({ ...logged, incident }, 'internal error');
    const message = internalErrorMessage(incident);
    const detail = { reason, field: '', message, metadata: { incident_id: incident }, retryAfterMs: 0 };
    metadata.set(ERROR_DETAIL_KEY, Buffer.from(common.ErrorDetail.encode(detail).finish()));
    return { code: status.INTERNAL, details: message, metadata };
  };
  if (err instanceof L1g1Error) {
    if (err.kind === 'INTERNAL') return internal(err.reason, { err });
    metadata.set(ERROR_DETAIL_KEY, Buffer.from(common.ErrorDetail.encode(err.toDetail()).finish()));
    if (err.retryAfterMs > 0) metadata.set('retry-after-ms', String(err.retryAfterMs));
    return { code: err.grpcCode, details: err.message, metadata };
  }
  if (isServiceError(err)) {
    const ours = err.metadata?.get(ERROR_DETAIL_KEY)[0] instanceof Buffer;
    if (err.code === status.INTERNAL || err.code === status.UNKNOWN || err.code === status.DATA_LOSS) {
      return internal('INTERNAL', { err, downstream: true });
    }
    // One of our services answered with a catalogued error: already safe to pass on.
    if (ours) return { code: err.code, details: err.details, metadata: err.metadata };
    const stable = PASS_THROUGH_MESSAGES[err.code];
    if (stable === undefined) return { code: err.code, details: err.details, metadata };
    logger?.warn({ err }, 'downstream failure passed through');
    return { code: err.code, details: stable, metadata };
  }
  return internal('INTERNAL', { err });
}

export function isServiceError(err: unknown): err is ServiceError {
  return (
    err instanceof Error &&
    typeof (err as Partial<ServiceError>).code === 'number' &&
    (err as Partial<ServiceError>).metadata instanceof Metadata
  );
}

/** At the client edge: a grpc-js ServiceError back into a domain error. */
export function fromServiceError(err: ServiceError): L1g1Error {
  const kind = GRPC_TO_KIND.get(err.code) ?? 'INTERNAL';
  const raw = err.metadata?.get(ERROR_DETAIL_KEY)[0];
  let detail: common.ErrorDetail | undefined;
  if (raw instanceof Buffer) {
    try {
      detail = common.ErrorDetail.decode(raw);
    } catch {
      detail = undefined;
    }
  }
  const retryHeader = err.metadata?.get('retry-after-ms')[0];
  // Without our detail trailer the status came from the transport (grpc-js text naming addresses,
  // timings, "Connection dropped"): a stable message instead, the original stays in `cause` for logs.
  const transportText = detail === undefined ? PASS_THROUGH_MESSAGES[err.code] : undefined;
  return new L1g1Error(kind, detail?.message || transportText || err.details || err.message, {
    reason: detail?.reason || kind,
    field: detail?.field ?? '',
    metadata: detail?.metadata ?? {},
    retryAfterMs: detail?.retryAfterMs || (typeof retryHeader === 'string' ? Number(retryHeader) : 0),
    cause: err,
  });
}

/** Converts any caught error to an L1g1Error (grpc statuses decoded). */
export function asL1g1Error(err: unknown): L1g1Error {
  if (err instanceof L1g1Error) return err;
  if (isServiceError(err)) return fromServiceError(err);
  return new L1g1Error('INTERNAL', 'internal error', { cause: err });
}

export function kindToGrpc(kind: ErrorKind): status {
  return KIND_TO_GRPC[kind];
}
