/**
 * Typed environment parsing. Each service parses its config once, in
 * `main.ts`, into a frozen object; a bad value fails fast naming the variable.
 */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`invalid ${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

function raw(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

export function envString(env: Env, name: string, fallback: string): string {
  return raw(env, name) ?? fallback;
}

export function envOptionalString(env: Env, name: string): string | undefined {
  return raw(env, name);
}

export function envInt(
  env: Env,
  name: string,
  fallback: number,
  range: { min?: number; max?: number } = {},
): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!/^-?\d+$/.test(value)) throw new ConfigError(name, `expected an integer, got "${value}"`);
  const n = Number(value);
  if (range.min !== undefined && n < range.min) throw new ConfigError(name, `must be >= ${range.min}, got ${n}`);
  if (range.max !== undefined && n > range.max) throw new ConfigError(name, `must be <= ${range.max}, got ${n}`);
  return n;
}

export function envBool(env: Env, name: string, fallback: boolean): boolean {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new ConfigError(name, `expected true/false, got "${value}"`);
}

export function envEnum<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(name, `expected one of ${allowed.join(', ')}, got "${value}"`);
  }
  return value as T;
}

/** A `host:port` address; port 0 is allowed (bind to any free port). */
export function envAddress(env: Env, name: string, fallback: string): string {
  const value = raw(env, name) ?? fallback;
  if (!/^[\w.\-\[\]:]+:\d{1,5}$/.test(value)) throw new ConfigError(name, `expected host:port, got "${value}"`);
  return value;
}

/**
 * Where a client dials an upstream: one `host:port` (a DNS name may resolve
 * to several replicas), or a comma-separated list of IP `address:port`s,
 * turned into grpc-js's `ipv4:`/`ipv6:` target so that the client's
 * round_robin balancing spreads calls over every listed replica.
 */
export function envUpstream(env: Env, name: string, fallback: string): string {
  const value = raw(env, name) ?? fallback;
  const parts = value.split(',').map((p) => p.trim());
  if (parts.length === 1) return envAddress({ [name]: value }, name, fallback);
  const v4 = parts.every((p) => /^(\d{1,3}\.){3}\d{1,3}:\d{1,5}$/.test(p));
  const v6 = parts.every((p) => /^\[[0-9a-fA-F:.]+\]:\d{1,5}$/.test(p));
  if (!v4 && !v6) {
    throw new ConfigError(name, `a list must be IP address:port pairs of one family, got "${value}" (or give one DNS name that resolves to every replica)`);
  }
  return `${v4 ? 'ipv4' : 'ipv6'}:${parts.join(',')}`;
}

/**
 * A PostgreSQL connection string (`postgres://` or `postgresql://`), or
 * undefined when the variable is unset: the embedded SQLite default. Anything
 * else fails at startup naming the variable, without echoing the value (it
 * may carry a password).
 */
export function envDatabaseUrl(env: Env, name: string): string | undefined {
  const value = raw(env, name);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(name, 'expected a postgres://user:password@host:port/database URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(name, `expected a postgres:// or postgresql:// URL, got a ${url.protocol} URL`);
  }
  return value;
}
