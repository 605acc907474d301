import type { Metadata } from '@grpc/grpc-js';
import type { FastifyRequest } from 'fastify';
import { errors, unary, type UnaryMethod } from '@l1g1/kit';
import type { Upstream } from '../upstreams';

/**
 * Caller identity forwarded to services: the principal the auth plugin
 * authenticated, signed with the internal secret (services check both the
 * signature and the scope; their audit actor is the key's name). A client's
 * `x-l1g1-actor` header is not forwarded: it proves nothing.
 */
export function forwardMetadata(req: FastifyRequest): Metadata {
  return req.upstreamMetadata();
}

/** A unary call through the upstream's breaker, with the caller's metadata. */
export function rpc<Req, Res>(
  upstream: Upstream,
  method: UnaryMethod<Req, Res>,
  request: Req,
  req: FastifyRequest,
): Promise<Res> {
  return upstream.call(() => unary(method, request, { metadata: forwardMetadata(req) }));
}

export function intParam(value: unknown, field: string, { min = 0, fallback }: { min?: number; fallback?: number } = {}): number {
  if (value === undefined || value === '') {
    if (fallback !== undefined) return fallback;
    throw errors.invalidArgument(field, 'is required');
  }
  const s = String(value);
  if (!/^-?\d+$/.test(s) || Number(s) < min) throw errors.invalidArgument(field, `must be an integer >= ${min}, got "${s}"`);
  return Number(s);
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
