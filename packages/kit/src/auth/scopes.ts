import { errors } from '../errors';

/**
 * What a key may do. `admin` implies every scope; `write` implies `read`
 * and `annotate`. `predict` stands alone: a predict-only key serves models
 * without being able to browse or change the registry. `annotate` is a
 * labeler's key: it reads (projects, tasks) and takes tasks and submits
 * labels, but cannot create, change or delete anything else.
 */
export type Scope = 'read' | 'predict' | 'write' | 'admin' | 'annotate';

/** A route's or method's requirement: a scope, or `public` (no key needed). */
export type Requirement = Scope | 'public';

export const SCOPES: readonly Scope[] = ['read', 'predict', 'write', 'admin', 'annotate'];

const IMPLIED: Readonly<Record<Scope, readonly Scope[]>> = {
  admin: ['admin', 'write', 'read', 'predict', 'annotate'],
  write: ['write', 'read', 'annotate'],
  annotate: ['annotate', 'read'],
  read: ['read'],
  predict: ['predict'],
};

/** True when a holder of `held` may do what needs `required`. */
export function grants(held: readonly Scope[], required: Requirement): boolean {
  if (required === 'public') return true;
  return held.some((s) => IMPLIED[s].includes(required));
}

export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && (SCOPES as readonly string[]).includes(value);
}

/** Validates a client-supplied scope list (400 naming `field` when wrong). */
export function parseScopes(value: unknown, field = 'scopes'): Scope[] {
  if (!Array.isArray(value) || value.length === 0) throw errors.invalidArgument(field, `must be a non-empty array of ${SCOPES.join(', ')}`);
  const out = new Set<Scope>();
  value.forEach((s, i) => {
    if (!isScope(s)) throw errors.invalidArgument(`${field}[${i}]`, `must be one of ${SCOPES.join(', ')}`);
    out.add(s);
  });
  return [...out];
}
