import type { FastifyInstance } from 'fastify';
import { errors, issueApiKey, MODEL_PATTERN_RE, parseScopes, type ApiKeyRecord } from '@l1g1/kit';
import type { GatewayAuth } from '../auth/gateway-auth';
import { objectBody } from './common';

const KEY_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/;
const KEY_ID_RE = /^[A-Za-z0-9-]{12}$/;
const MAX_PATTERNS = 32;
const MAX_QPS = 1_000_000;

/** A key as `/v1` shows it: snake_case, RFC 3339 times, never the secret or its hash. */
export function keyJson(k: ApiKeyRecord): Record<string, unknown> {
  return {
    id: k.id,
    name: k.name,
    scopes: k.scopes,
    model_patterns: k.modelPatterns,
    qps: k.qps,
    created_at: k.createdAt.toISOString(),
    ...(k.lastUsedAt ? { last_used_at: k.lastUsedAt.toISOString() } : {}),
    ...(k.revokedAt ? { revoked_at: k.revokedAt.toISOString() } : {}),
  };
}

function keyName(value: unknown): string {
  if (typeof value !== 'string' || !KEY_NAME_RE.test(value)) {
    throw errors.invalidArgument('name', "must be 1-100 characters: letters, digits, '.', '_', '@' or '-', starting with a letter or digit");
  }
  return value;
}

function modelPatterns(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > MAX_PATTERNS) throw errors.invalidArgument('model_patterns', `must be an array of at most ${MAX_PATTERNS} model-name globs`);
  return value.map((p, i) => {
    if (typeof p !== 'string' || !MODEL_PATTERN_RE.test(p)) {
      throw errors.invalidArgument(`model_patterns[${i}]`, "must be a model-name glob: 1-128 of letters, digits, '.', '_', '-', '*', '?'");
    }
    return p;
  });
}

function qps(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_QPS) {
    throw errors.invalidArgument('qps', `must be an integer from 0 (the default limit) to ${MAX_QPS}`);
  }
  return value;
}

/**
 * API key management (admin scope, by the default rule for `/v1/keys`).
 * The gateway owns these routes and the key store directly: keys are the
 * front door's concern, and every process reads the same store.
 */
export function registerKeyRoutes(app: FastifyInstance, auth: GatewayAuth): void {
  app.post('/v1/keys', async (req, reply) => {
    const b = objectBody(req.body);
    const input = { name: keyName(b['name']), scopes: parseScopes(b['scopes']), modelPatterns: modelPatterns(b['model_patterns']), qps: qps(b['qps']) };
    const { record, plaintext } = await issueApiKey(auth.keys, input);
    // The only time the plaintext key is ever shown.
    return reply.code(201).header('cache-control', 'no-store').send({ ...keyJson(record), key: plaintext });
  });

  app.get('/v1/keys', async () => ({ keys: (await auth.keys.list()).map(keyJson) }));

  app.delete('/v1/keys/:id', async (req, reply) => {
    const { id } = req.params as Record<string, string>;
    if (!id || !KEY_ID_RE.test(id)) throw errors.invalidArgument('id', 'must be a key id (12 characters of letters, digits or -)');
    if (!(await auth.keys.revoke(id, new Date()))) throw errors.notFound(`active key "${id}"`, { reason: 'KEY_NOT_FOUND' });
    auth.verifier.forget(id);
    return reply.code(204).send();
  });
}
