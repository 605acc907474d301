/**
 * @l1g1/features: the hashed n-gram featurizer and the token tagger's text side (tokens, ids,
 * entity spans, IOB2 tags), shared by the trainer (training), the evaluator
 * and the inference service (raw text for a model with a `preprocess` tag). Plain TypeScript:
 * no tfjs or onnxruntime, so a serving process does not load a training stack.
 */
export { fnv1a32 } from './fnv1a';
export {
  type HashedNgramConfig,
  HASHED_NGRAM_DEFAULTS,
  HASHED_NGRAM_RECIPE,
  hashedNgramIds,
  validateHashedNgramConfig,
  WORD_PATTERN,
} from './hashed-ngrams';
export { ID_PADDING, padIdLists } from './padded-ids';
export { DEFAULT_METADATA_FIELDS, parsePreprocessTag, preprocessTag, type PreprocessRecipe } from './preprocess-recipe';
export { featurize, featurizeBatch, featurizeRecord, recipeText, type TextRecord } from './featurize';
export {
  type EntitySpan,
  type TaggedTextRecord,
  type Token,
  entitySpans,
  entityTypesOf,
  iob2TagNames,
  iob2Tags,
  OUTSIDE_TAG,
  taggedText,
  TOKEN_PATTERN,
  tokenId,
  tokenIds,
  tokenize,
} from './token-text';
export { iob2Chunks, tagSpans, type TagChunk } from './iob2-chunks';
export { type TokenIdsRecipe, parseTokenIdsTag, TOKEN_IDS_RECIPE, textTokenIds, tokenIdsPreprocessTag } from './token-ids-recipe';
export { preprocessRecipeName } from './recipe-tag';
export {
  type LmTokenLevel,
  type LmVocabulary,
  LM_UNKNOWN_TOKEN,
  buildLmVocabulary,
  encodeLmTokens,
  lmStreamTexts,
  lmVocabularyOf,
  tokenizeLmText,
} from './lm-vocabulary';
export { type LmRecipe, LM_RECIPE_INPUT, isLmRecipeTag, lmRecipeTag, parseLmRecipeTag } from './lm-recipe';
