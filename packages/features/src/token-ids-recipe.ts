import { errors } from '@l1g1/kit';
import { ID_PADDING } from './padded-ids';
import { readRecipeTag } from './recipe-tag';
import { type Token, TOKEN_PATTERN, tokenIds, tokenize } from './token-text';

/**
 * The token tagger's serving input recipe: how a client turns a text into the model's
 * `token_ids` (one id per token, {@link tokenize} then {@link tokenIds}). Stored as the registry
 * tag `preprocess` ({@link tokenIdsPreprocessTag}) by the trainer and read back by the evaluator
 * ({@link parseTokenIdsTag}), so both follow one copy of the recipe.
 */
export interface TokenIdsRecipe {
  /** Buckets: a token's id is `fnv1a32(NFKC(token)) mod vocabSize`. */
  vocabSize: number;
  /** Tokens read from the start of a text; the rest (and their entities) are dropped. */
  maxTokens: number;
}

/** The recipe name in the tag; bump when any step changes (old models keep their tag). */
export const TOKEN_IDS_RECIPE = 'token_ids_v1';

/** The fixed parts of the recipe: a tag naming anything else was made by a recipe we do not know. */
const FIXED = {
  token_pattern: TOKEN_PATTERN.source,
  offsets: 'unicode_code_points',
  normalize: 'NFKC',
  lowercase: false,
  hash: 'fnv1a32_utf8',
  padding_id: ID_PADDING,
  tag_scheme: 'iob2',
} as const;

/** The registry tag `preprocess` of a token tagger: the recipe name, its fixed steps and its sizes. */
export function tokenIdsPreprocessTag(recipe: TokenIdsRecipe): string {
  return JSON.stringify({ recipe: TOKEN_IDS_RECIPE, ...FIXED, vocab_size: recipe.vocabSize, max_tokens: recipe.maxTokens });
}

/**
 * A `preprocess` tag (JSON text) → the token ids recipe, validated. A stored tag is untrusted:
 * INVALID_ARGUMENT naming `<field>` or `<field>.<key>` for anything off (a fixed step that differs
 * would give other ids than the model was trained on).
 */
export function parseTokenIdsTag(tag: string, field = 'preprocess'): TokenIdsRecipe {
  const obj = readRecipeTag(tag, field, TOKEN_IDS_RECIPE, FIXED);
  const int = (key: string, min: number, max: number): number => {
    const v = obj[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) throw errors.invalidArgument(`${field}.${key}`, `must be an integer in [${min}, ${max}]`);
    return v;
  };
  // The trainer's bounds (tokenTaggerConfig): a tag outside them was not written by it.
  return { vocabSize: int('vocab_size', 2, 1 << 22), maxTokens: int('max_tokens', 1, 4096) };
}

/** One text → its tokens (with code-point offsets) and their ids, by the recipe. */
export function textTokenIds(text: string, recipe: TokenIdsRecipe): { tokens: Token[]; ids: number[] } {
  const tokens = tokenize(text, recipe.maxTokens);
  return { tokens, ids: tokenIds(tokens, recipe.vocabSize) };
}
