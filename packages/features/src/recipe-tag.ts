import { errors } from '@l1g1/kit';
import { parseTagObject } from './tag-json';

/**
 * The common first steps of reading a `preprocess` tag (JSON text) of a known recipe: a JSON
 * object, naming `recipe`, whose fixed steps, where present, equal `fixed` (absent means the
 * default: older tags). A stored tag is untrusted: INVALID_ARGUMENT naming `<field>` or
 * `<field>.<key>`. Answers the object for the recipe's own keys.
 */
export function readRecipeTag(tag: string, field: string, recipe: string, fixed: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const obj = parseTagObject(tag, field);
  if (obj['recipe'] !== recipe) throw errors.invalidArgument(`${field}.recipe`, `must be "${recipe}", got ${JSON.stringify(obj['recipe'])}`);
  for (const [key, value] of Object.entries(fixed)) {
    // A fixed step that differs would give other ids than the model was trained on.
    if (key in obj && obj[key] !== value) throw errors.invalidArgument(`${field}.${key}`, `must be ${JSON.stringify(value)}`);
  }
  return obj;
}

/**
 * The `recipe` named by a `preprocess` tag (`token_ids_v1`, `hashed_ngrams/v1`), or undefined
 * when the tag is not a JSON object naming one: lets a reader pick the parser.
 */
export function preprocessRecipeName(tag: string): string | undefined {
  try {
    const raw: unknown = JSON.parse(tag);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
    const name = (raw as Record<string, unknown>)['recipe'];
    return typeof name === 'string' ? name : undefined;
  } catch {
    return undefined;
  }
}
