/**
 * @l1g1/features: the hashed n-gram featurizer, shared by the trainer (training), the evaluator
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
