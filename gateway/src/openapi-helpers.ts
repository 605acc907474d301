/**
 * Small builders for OpenAPI schema fragments, shared by the per-service
 * OpenAPI files (openapi-ingestion.ts, openapi-trainer.ts) so that a
 * parameter, a page or an error answer is described one way everywhere.
 */
import { enumNames } from './routes/ingestion/enum-names';

export type Json = Record<string, unknown>;

export const INT32_MAX = 2147483647;
export const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
export const err = (description: string): Json => ({ description, content: { 'application/json': { schema: ref('Error') } } });
export const ok = (description: string, schema: Json): Json => ({ description, content: { 'application/json': { schema } } });
export const jsonBody = (schema: Json, required = true): Json => ({ required, content: { 'application/json': { schema } } });
export const p = (name: string, where: 'path' | 'query' | 'header' = 'query', schema: Json = { type: 'string' }, description = ''): Json => ({
  name,
  in: where,
  required: where === 'path',
  schema,
  ...(description ? { description } : {}),
});
export const int32 = (minimum = 0): Json => ({ type: 'integer', minimum, maximum: INT32_MAX });
export const int64 = (minimum = 0): Json => ({ type: 'integer', minimum, maximum: Number.MAX_SAFE_INTEGER });
export const bool = { type: 'boolean' };
export const str = { type: 'string' };
export const num = { type: 'number' };
export const strList = { type: 'array', items: str };
export const stringMap = { type: 'object', additionalProperties: str };
export const numberMap = { type: 'object', additionalProperties: num };
export const intMap = { type: 'object', additionalProperties: { type: 'integer' } };
export const timestamp = { type: ['string', 'null'], format: 'date-time' };
export const en = (e: Record<string, string | number>, prefix: string): Json => ({ type: 'string', enum: enumNames(e, prefix) });
export const obj = (properties: Json, required: string[] = Object.keys(properties)): Json => ({ type: 'object', required, properties });
export const page = { next_page_token: { type: 'string', description: 'Empty on the last page' }, total_size: { type: 'integer' } };
export const paging = [p('page_size', 'query', int32(), '0 = the default (50); above 1000 is served as 1000'), p('page_token', 'query', str, 'next_page_token of the previous page')];
