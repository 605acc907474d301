/**
 * The OpenAPI parts of auth: the bearer scheme and the key routes, kept apart
 * from `openapi.ts` so that the route documents there stay about their
 * services. Every operation needs a key unless its route is public.
 */
import { SCOPES } from '@l1g1/kit';

type Json = Record<string, unknown>;

const error = (description: string): Json => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
const json = (description: string, schema: Json): Json => ({ description, content: { 'application/json': { schema } } });

const scopes: Json = { type: 'array', items: { enum: [...SCOPES] } };

const keySchema: Json = {
  type: 'object',
  required: ['id', 'name', 'scopes', 'model_patterns', 'qps', 'created_at'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    scopes,
    model_patterns: { type: 'array', items: { type: 'string' }, description: "Model-name globs (e.g. 'team-a-*'); empty = every model" },
    qps: { type: 'integer', minimum: 0, description: 'Requests per second; 0 = the gateway default (L1G1_DEFAULT_KEY_QPS)' },
    created_at: { type: 'string', format: 'date-time' },
    last_used_at: { type: 'string', format: 'date-time' },
    revoked_at: { type: 'string', format: 'date-time' },
  },
};

const authErrors = { '401': error('Missing or invalid API key (WWW-Authenticate: Bearer)'), '403': error('The key lacks the admin scope') };

export const AUTH_SECURITY_SCHEMES: Json = {
  bearer: { type: 'http', scheme: 'bearer', description: 'An API key: `authorization: Bearer l1g1_<id>_<secret>`' },
};

export const KEY_PATHS: Json = {
  '/v1/keys': {
    get: { summary: 'List API keys (never their secrets)', security: [{ bearer: [] }], responses: { '200': json('Keys', { type: 'object', properties: { keys: { type: 'array', items: keySchema } } }), ...authErrors } },
    post: {
      summary: 'Create an API key; the answer shows the key once',
      security: [{ bearer: [] }],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['name', 'scopes'],
              properties: { name: { type: 'string' }, scopes, model_patterns: { type: 'array', items: { type: 'string' } }, qps: { type: 'integer', minimum: 0 } },
            },
          },
        },
      },
      responses: { '201': json('Created; `key` is shown only here', { allOf: [keySchema, { type: 'object', properties: { key: { type: 'string' } } }] }), '400': error('Bad input; the message names the field'), ...authErrors },
    },
  },
  '/v1/keys/{id}': {
    parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
    delete: { summary: 'Revoke an API key (every process refuses it within L1G1_AUTH_CACHE_TTL_MS)', security: [{ bearer: [] }], responses: { '204': { description: 'Revoked' }, '400': error('Bad key id'), '404': error('No such active key'), ...authErrors } },
  },
};
