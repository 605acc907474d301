/** Featurizers shared by the trainer's models and, later, the evaluator. */
export { fnv1a32 } from './fnv1a';
export {
  type HashedNgramConfig,
  HASHED_NGRAM_DEFAULTS,
  HASHED_NGRAM_RECIPE,
  hashedNgramIds,
  preprocessTag,
  validateHashedNgramConfig,
} from './hashed-ngrams';
