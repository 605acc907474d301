import type { Requirement } from '@l1g1/kit';

/** Routes anyone may call: probes, the API description, metrics. */
const PUBLIC_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics', '/openapi.json', '/v2/health/live', '/v2/health/ready']);

/**
 * What a route needs when it declares nothing (`config: { scope }` wins):
 * probes and docs are public, key management is admin, predict/infer routes
 * need `predict`, GET/HEAD need `read`, and everything else `write` — so a
 * new route is safe by default.
 */
export function defaultRequirement(method: string, url: string): Requirement {
  if (PUBLIC_ROUTES.has(url)) return 'public';
  if (url === '/v1/keys' || url.startsWith('/v1/keys/')) return 'admin';
  if (/:predict$/.test(url) || /\/infer$/.test(url)) return 'predict';
  return method === 'GET' || method === 'HEAD' ? 'read' : 'write';
}
