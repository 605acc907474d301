import { errors } from '@l1g1/kit';
import { LM_UNKNOWN_TOKEN, lmVocabularyOf, type LmTokenLevel, type LmVocabulary } from './lm-vocabulary';
import { parseTagObject } from './tag-json';

/**
 * What a client needs to feed a language model: its vocabulary (ids), token level and training
 * window. Stored by the trainer as the version's registry tag `preprocess` with
 * `"input": "token_ids"` ({@link lmRecipeTag}); told apart from the hashed n-gram recipe by that key.
 */
export interface LmRecipe {
  vocabulary: LmVocabulary;
  /** Tokens per training window (the GRU's `max_steps`); the evaluator's default window. */
  seqLen: number;
}

/** The `input` value that marks a `preprocess` tag as a language model's. */
export const LM_RECIPE_INPUT = 'token_ids';

/** The `preprocess` tag of a language model (JSON, snake_case keys; the record separator is informative). */
export function lmRecipeTag(recipe: LmRecipe): string {
  const level = recipe.vocabulary.level;
  return JSON.stringify({ input: LM_RECIPE_INPUT, level, vocabulary: recipe.vocabulary.tokens, unknown_id: 0, seq_len: recipe.seqLen, record_separator: level === 'char' ? '\n' : '' });
}

/** True when a `preprocess` tag is a language model's (its `input` is `token_ids`), whether or not it is valid. */
export function isLmRecipeTag(tag: string | undefined): boolean {
  if (!tag) return false;
  try {
    const raw: unknown = JSON.parse(tag);
    return typeof raw === 'object' && raw !== null && (raw as Record<string, unknown>)['input'] === LM_RECIPE_INPUT;
  } catch {
    return false;
  }
}

/** Vocabulary entries a tag may hold (the trainer caps max_vocab at 100,000). */
const MAX_VOCABULARY = 100_000;

/**
 * A language model's `preprocess` tag → its recipe, validated. A stored tag is untrusted:
 * INVALID_ARGUMENT naming `<field>.<key>` for anything off (callers decide whose fault it is).
 */
export function parseLmRecipeTag(tag: string, field = 'preprocess'): LmRecipe {
  const obj = parseTagObject(tag, field);
  if (obj['input'] !== LM_RECIPE_INPUT) throw errors.invalidArgument(`${field}.input`, `must be "${LM_RECIPE_INPUT}"`);
  const level = obj['level'];
  if (level !== 'char' && level !== 'word') throw errors.invalidArgument(`${field}.level`, 'must be "char" or "word"');
  const tokens = obj['vocabulary'];
  if (!Array.isArray(tokens) || tokens.length < 2 || tokens.length > MAX_VOCABULARY || !tokens.every((t): t is string => typeof t === 'string')) {
    throw errors.invalidArgument(`${field}.vocabulary`, `must be a list of 2 to ${MAX_VOCABULARY} strings`);
  }
  if (tokens[0] !== LM_UNKNOWN_TOKEN) throw errors.invalidArgument(`${field}.vocabulary`, `id 0 must be "${LM_UNKNOWN_TOKEN}"`);
  if (new Set(tokens).size !== tokens.length) throw errors.invalidArgument(`${field}.vocabulary`, 'must not repeat a token');
  if ((obj['unknown_id'] ?? 0) !== 0) throw errors.invalidArgument(`${field}.unknown_id`, 'must be 0');
  const seqLen = obj['seq_len'];
  if (typeof seqLen !== 'number' || !Number.isSafeInteger(seqLen) || seqLen < 1 || seqLen > 4096) throw errors.invalidArgument(`${field}.seq_len`, 'must be an integer in [1, 4096]');
  return { vocabulary: lmVocabularyOf(level as LmTokenLevel, tokens), seqLen };
}
