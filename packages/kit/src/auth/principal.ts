import type { Requirement, Scope } from './scopes';
import { grants } from './scopes';

/** An authenticated caller (or the anonymous one), as every process sees it. */
export interface Principal {
  /** Key id; `anonymous` or `service:<name>` for the built-in principals. */
  readonly id: string;
  /** Audit actor: the key's name. */
  readonly name: string;
  readonly scopes: readonly Scope[];
  /** Model-name globs (`team-a-*`) this key is limited to; empty = every model. */
  readonly modelPatterns: readonly string[];
  /** Requests per second for this key; 0 = the gateway default (L1G1_DEFAULT_KEY_QPS). */
  readonly qps: number;
  readonly anonymous: boolean;
}

/** Reads and predicts without a key (loopback only, when configured). */
export const ANONYMOUS: Principal = Object.freeze({
  id: 'anonymous',
  name: 'anonymous',
  scopes: Object.freeze(['read', 'predict'] as Scope[]),
  modelPatterns: Object.freeze([] as string[]),
  qps: 0,
  anonymous: true,
});

/** A principal for calls between our own services (e.g. inference → registry). */
export function servicePrincipal(name: string, scopes: readonly Scope[]): Principal {
  return { id: `service:${name}`, name, scopes, modelPatterns: [], qps: 0, anonymous: false };
}

export function mayDo(principal: Principal, required: Requirement): boolean {
  if (required === 'public') return true;
  return grants(principal.scopes, required);
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.');
  return new RegExp(`^${escaped}$`);
}

/**
 * True when the key may touch model `name` (`name@alias` counts as `name`).
 * Patterns are globs: `*` any run of characters, `?` one character.
 */
export function modelAllowed(principal: Principal, name: string): boolean {
  if (principal.modelPatterns.length === 0) return true;
  const bare = name.split('@', 1)[0] ?? name;
  // Compiled per check: a key has a handful of short patterns, and no cache means no shared state.
  return principal.modelPatterns.some((glob) => globToRegExp(glob).test(bare));
}

/** Model patterns accept letters, digits, `-`, `_`, `.`, `*`, `?` (a model name's alphabet plus globs). */
export const MODEL_PATTERN_RE = /^[A-Za-z0-9._*?-]{1,128}$/;
