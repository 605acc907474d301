/**
 * `/v1` JSON ⇄ proto messages, driven by the tables of spec-schema.ts. The
 * parser is strict where ts-proto's `fromJSON` is lenient (it turns "abc"
 * into NaN, drops unknown fields and maps an unknown enum to UNRECOGNIZED):
 * every mistake is a 400 naming the field by its path from the body root,
 * e.g. `spec.config.optimizer.kind`, before the trainer is called.
 */
import { errors } from '@l1g1/kit';
import { enumName, enumNames, parseEnum } from '../ingestion/enum-names';
import type { FieldKind, MessageSchema } from './spec-schema';

type Json = Record<string, unknown>;

const camel = (snake: string): string => snake.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

function shown(value: unknown): string {
  const s = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}

function parseValue(t: FieldKind, value: unknown, path: string): unknown {
  switch (t.kind) {
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < t.min || value > t.max) {
        throw errors.invalidArgument(path, `must be an integer between ${t.min} and ${t.max}, got ${shown(value)}`);
      }
      return value;
    case 'double': {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw errors.invalidArgument(path, `must be a finite number, got ${shown(value)}`);
      const low = t.min !== undefined && (t.exclusiveMin ? value <= t.min : value < t.min);
      const high = t.max !== undefined && (t.exclusiveMax ? value >= t.max : value > t.max);
      if (low || high) {
        const lo = t.min === undefined ? '' : `${t.exclusiveMin ? '>' : '>='} ${t.min}`;
        const hi = t.max === undefined ? '' : `${t.exclusiveMax ? '<' : '<='} ${t.max}`;
        throw errors.invalidArgument(path, `must be ${[lo, hi].filter(Boolean).join(' and ')}, got ${value}`);
      }
      return value;
    }
    case 'bool':
      if (typeof value !== 'boolean') throw errors.invalidArgument(path, `must be true or false, got ${shown(value)}`);
      return value;
    case 'string':
      if (typeof value !== 'string') throw errors.invalidArgument(path, `must be a string, got ${shown(value)}`);
      if (value.length > t.maxLength) throw errors.invalidArgument(path, `must be at most ${t.maxLength} characters`);
      return value;
    case 'enum':
      // `null` and '' were taken as absent by the caller; here every value must be a known lowercase name.
      return parseEnum(t.values, t.prefix, typeof value === 'string' && value === '' ? 0 : value, path);
    case 'message':
      return parseMessage(t.message, value, path);
    case 'list': {
      if (!Array.isArray(value)) throw errors.invalidArgument(path, 'must be a JSON array');
      if (value.length > t.maxItems) throw errors.invalidArgument(path, `must have at most ${t.maxItems} items, got ${value.length}`);
      return value.map((v, i) => parseValue(t.of, v, `${path}[${i}]`));
    }
    case 'map': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw errors.invalidArgument(path, `must be an object of ${t.of === 'string' ? 'strings' : 'numbers'}`);
      const entries = Object.entries(value);
      if (entries.length > t.maxEntries) throw errors.invalidArgument(path, `must have at most ${t.maxEntries} entries, got ${entries.length}`);
      for (const [k, v] of entries) {
        if (t.of === 'string' ? typeof v !== 'string' : typeof v !== 'number' || !Number.isFinite(v)) {
          throw errors.invalidArgument(`${path}.${k}`, t.of === 'string' ? 'must be a string' : 'must be a finite number');
        }
      }
      // User-chosen keys pass untouched (no case conversion).
      return { ...value };
    }
  }
}

/**
 * A message from its `/v1` JSON: snake_case in, the ts-proto object shape
 * out (camelCase, oneofs as `{ $case, value }`), fields not given left out
 * so that the generated `fromPartial` fills the proto defaults in.
 */
export function parseMessage(schema: MessageSchema, value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw errors.invalidArgument(path, 'must be a JSON object');
  const out: Json = {};
  const oneofTaken = new Map<string, string>();
  for (const [key, v] of Object.entries(value as Json)) {
    const field = schema.fields[key];
    const where = `${path}.${key}`;
    if (!field) {
      throw errors.invalidArgument(where, `is not a field of ${schema.name} (it takes: ${Object.keys(schema.fields).join(', ')})`, { reason: 'UNKNOWN_FIELD' });
    }
    if (v === null || v === undefined) continue;
    const parsed = parseValue(field.type, v, where);
    if (field.oneof) {
      const other = oneofTaken.get(field.oneof);
      if (other !== undefined) throw errors.invalidArgument(where, `give only one of ${other} and ${key}`);
      oneofTaken.set(field.oneof, key);
      out[field.oneof] = { $case: camel(key), value: parsed };
    } else {
      out[camel(key)] = parsed;
    }
  }
  return out;
}

function printValue(t: FieldKind, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  switch (t.kind) {
    case 'enum':
      return enumName(t.values, t.prefix, value as number);
    case 'message':
      return printMessage(t.message, value as Json);
    case 'list':
      return (value as unknown[]).map((v) => printValue(t.of, v));
    case 'map':
      return { ...(value as Json) };
    default:
      return value;
  }
}

/**
 * A ts-proto message as `/v1` JSON: every field with a value (unset
 * `optional` fields and messages are left out, as in proto3's JSON mapping,
 * so the request schema describes the answer too), only the set member of a
 * oneof.
 */
export function printMessage(schema: MessageSchema, value: Json | undefined): Json | null {
  if (!value) return null;
  const out: Json = {};
  for (const [key, field] of Object.entries(schema.fields)) {
    if (field.oneof) {
      const o = value[field.oneof] as { $case: string; value: unknown } | undefined;
      if (o?.$case === camel(key)) out[key] = printValue(field.type, o.value);
      continue;
    }
    const v = value[camel(key)];
    if (v !== undefined && v !== null) out[key] = printValue(field.type, v);
  }
  return out;
}

/** The OpenAPI (JSON Schema 2020-12) shape of one field kind; messages by reference. */
export function openApiOf(t: FieldKind): Json {
  switch (t.kind) {
    case 'int':
      return { type: 'integer', minimum: t.min, maximum: t.max };
    case 'double':
      return {
        type: 'number',
        ...(t.min !== undefined ? (t.exclusiveMin ? { exclusiveMinimum: t.min } : { minimum: t.min }) : {}),
        ...(t.max !== undefined ? (t.exclusiveMax ? { exclusiveMaximum: t.max } : { maximum: t.max }) : {}),
      };
    case 'bool':
      return { type: 'boolean' };
    case 'string':
      return { type: 'string', maxLength: t.maxLength };
    case 'enum':
      return { type: 'string', enum: enumNames(t.values, t.prefix) };
    case 'message':
      return { $ref: `#/components/schemas/${t.message.name}` };
    case 'list':
      return { type: 'array', maxItems: t.maxItems, items: openApiOf(t.of) };
    case 'map':
      return { type: 'object', maxProperties: t.maxEntries, additionalProperties: { type: t.of === 'string' ? 'string' : 'number' } };
  }
}

/** A message's OpenAPI component: closed (unknown fields are refused), oneof members described as such. */
export function openApiSchemaOf(schema: MessageSchema): Json {
  const properties: Json = {};
  for (const [key, field] of Object.entries(schema.fields)) {
    const base = openApiOf(field.type);
    const notes = [field.description, field.oneof ? `one of the \`${field.oneof}\` choices (${Object.entries(schema.fields).filter(([, f]) => f.oneof === field.oneof).map(([k]) => k).join(', ')})` : undefined].filter(Boolean);
    properties[key] = notes.length ? { ...base, description: notes.join('; ') } : base;
  }
  return { type: 'object', additionalProperties: false, properties };
}
