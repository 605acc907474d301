import type { Metadata } from '@grpc/grpc-js';
import type { FastifyRequest } from 'fastify';
import { errors, unary, type UnaryMethod } from '@l1g1/kit';
import { deadlineMsFor } from '../admission/route-policy';
import type { Upstream } from '../upstreams';
// The request's `upstreamMetadata` is declared by the auth plugin (type only: nothing loads at run time).
import type {} from '../auth/auth-plugin';
import { sanitizeUpstreamError } from '../sanitize';

/** Largest value of a proto `int32` (versions, page sizes, snapshots). */
export const INT32_MAX = 2 ** 31 - 1;
/**
 * Largest `int64` the gateway accepts (event ids): the generated code carries
 * int64 as a JS number, so anything past 2^53 - 1 would silently change value.
 */
export const INT64_SAFE_MAX = Number.MAX_SAFE_INTEGER;

/**
 * Caller identity forwarded to services: the principal the auth plugin
 * authenticated, signed with the internal secret (services check both the
 * signature and the scope; their audit actor is the key's name). A client's
 * `x-l1g1-actor` header is not forwarded: it proves nothing.
 */
export function forwardMetadata(req: FastifyRequest): Metadata {
  return req.upstreamMetadata();
}

/** A unary call through the upstream's breaker, with the caller's metadata and the route's deadline. */
export function rpc<Req, Res>(
  upstream: Upstream,
  method: UnaryMethod<Req, Res>,
  request: Req,
  req: FastifyRequest,
): Promise<Res> {
  return guarded(upstream, () => unary(method, request, { metadata: forwardMetadata(req), deadlineMs: deadlineMsFor(req) }));
}

/**
 * Any call through the upstream's breaker; transport failures come back with
 * a stable message naming the upstream (never grpc-js's text, addresses or
 * timings).
 */
export async function guarded<T>(upstream: Upstream, fn: () => Promise<T>): Promise<T> {
  try {
    return await upstream.call(fn);
  } catch (err) {
    throw sanitizeUpstreamError(upstream.name, err);
  }
}

export interface IntOptions {
  min?: number;
  /** Defaults to INT32_MAX: every integer the gateway forwards lands in a proto int32 unless said otherwise. */
  max?: number;
  fallback?: number;
}

/**
 * An integer from a path, query, header or JSON value, checked against the
 * range of the proto field it becomes. Out of range is the client's mistake
 * (400 naming the field): letting it through would make our own serializer
 * fail (an INTERNAL that a breaker would count).
 */
export function intParam(value: unknown, field: string, { min = 0, max = INT32_MAX, fallback }: IntOptions = {}): number {
  if (value === undefined || value === '' || value === null) {
    if (fallback !== undefined) return fallback;
    throw errors.invalidArgument(field, 'is required');
  }
  const s = typeof value === 'number' || typeof value === 'string' ? String(value) : JSON.stringify(value);
  if (!/^-?\d+$/.test(s)) throw errors.invalidArgument(field, `must be an integer between ${min} and ${max}, got ${quote(s)}`);
  // Compare as BigInt: Number() of a 20-digit string is already rounded.
  const n = BigInt(s);
  if (n < BigInt(min) || n > BigInt(max)) throw errors.invalidArgument(field, `must be an integer between ${min} and ${max}, got ${quote(s)}`);
  return Number(n);
}

/** A JSON value that must be an integer number (not a numeric string), e.g. OIP's `binary_data_size`. */
export function jsonInt(value: unknown, field: string, { min = 0, max = INT32_MAX }: { min?: number; max?: number } = {}): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw errors.invalidArgument(field, `must be a JSON integer between ${min} and ${max}, got ${quote(JSON.stringify(value) ?? String(value))}`);
  }
  return value;
}

function quote(s: string): string {
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}

/**
 * Refuses fields a route does not take (400 naming the first), so that a
 * misspelt or unsupported field is an error instead of silently ignored.
 */
export function onlyFields(body: Record<string, unknown>, allowed: readonly string[]): Record<string, unknown> {
  const unknown = Object.keys(body).find((k) => !allowed.includes(k));
  if (unknown !== undefined) throw errors.invalidArgument(unknown, `is not a field of this request (it takes: ${allowed.join(', ')})`, { reason: 'UNKNOWN_FIELD' });
  return body;
}

export function objectBody(body: unknown, field = 'body'): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw errors.invalidArgument(field, 'must be a JSON object');
  return body as Record<string, unknown>;
}

export function stringMap(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw errors.invalidArgument(field, 'must be an object of strings');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw errors.invalidArgument(`${field}.${k}`, 'must be a string');
    out[k] = v;
  }
  return out;
}

export function numberMap(value: unknown, field: string): Record<string, number> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw errors.invalidArgument(field, 'must be an object of numbers');
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw errors.invalidArgument(`${field}.${k}`, 'must be a finite number');
    out[k] = v;
  }
  return out;
}

export function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw errors.invalidArgument(field, 'must be a string');
  return value;
}
