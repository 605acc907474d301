import { errors } from '@l1g1/kit';
import { fnv1a32 } from './fnv1a';

/**
 * The configuration of the hashed n-gram featurizer. It is stored with the model (the registry
 * tag `preprocess`, {@link preprocessTag}) so a client computes the same ids the model was
 * trained on.
 */
export interface HashedNgramConfig {
  /** Buckets: an n-gram's id is `fnv1a32(key) mod vocabSize`. */
  vocabSize: number;
  /** Word n-grams of length 1..wordNgramMax (0: no word features). */
  wordNgramMax: number;
  /** Character n-grams of length charNgramMin..charNgramMax within each word, padded `<word>` (0: none). */
  charNgramMin: number;
  charNgramMax: number;
  lowercase: boolean;
  /** Words read from the start of a text; the rest is ignored (bounds the ids per example). */
  maxTokens: number;
}

/** The defaults (a TextClassifierSpec leaves a field at 0 / unset). */
export const HASHED_NGRAM_DEFAULTS: Readonly<HashedNgramConfig> = Object.freeze({
  vocabSize: 1 << 18,
  wordNgramMax: 2,
  charNgramMin: 0,
  charNgramMax: 0,
  lowercase: true,
  maxTokens: 512,
});

/** The version of the recipe below; bump when any step changes (old models keep their tag). */
export const HASHED_NGRAM_RECIPE = 'hashed_ngrams/v1';

/** Words: maximal runs of Unicode letters, digits, marks or `_`; everything else separates them. */
export const WORD_PATTERN = /[\p{L}\p{N}\p{M}_]+/gu;
const WORD = WORD_PATTERN;

/** Checks a config: INVALID_ARGUMENT naming `<field>.<key>`. */
export function validateHashedNgramConfig(config: HashedNgramConfig, field = 'architecture.text_classifier'): HashedNgramConfig {
  const int = (key: string, value: number, min: number, max: number) => {
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw errors.invalidArgument(`${field}.${key}`, `must be an integer in [${min}, ${max}], got ${value}`);
    }
  };
  int('vocab_size', config.vocabSize, 2, 1 << 24);
  int('word_ngram_max', config.wordNgramMax, 0, 5);
  int('char_ngram_min', config.charNgramMin, 0, 10);
  int('char_ngram_max', config.charNgramMax, 0, 10);
  int('max_tokens', config.maxTokens, 1, 100_000);
  if (config.charNgramMax > 0 && (config.charNgramMin < 1 || config.charNgramMin > config.charNgramMax)) {
    throw errors.invalidArgument(`${field}.char_ngram_min`, `must be in [1, char_ngram_max=${config.charNgramMax}] when char n-grams are on`);
  }
  if (config.wordNgramMax === 0 && config.charNgramMax === 0) {
    throw errors.invalidArgument(`${field}.word_ngram_max`, 'word or char n-grams must be on');
  }
  return config;
}

/**
 * A text → its hashed n-gram ids, in order of appearance, duplicates kept (the embedding bag
 * sums or averages them, so a repeated n-gram weighs more). The recipe, which a client must
 * follow exactly:
 *
 * 1. `text.normalize('NFKC')`, then lowercase (`toLowerCase()`) when `lowercase`.
 * 2. Words = matches of `/[\p{L}\p{N}\p{M}_]+/gu`, the first `maxTokens` only.
 * 3. For n = 1..wordNgramMax, every run of n consecutive words gives the key `"w" + n + ":" + words.join(" ")`.
 * 4. For each word w and n = charNgramMin..charNgramMax, every n code points of `"<" + w + ">"`
 *    give the key `"c" + n + ":" + chars`.
 * 5. Keys are emitted word n-grams first (n ascending, then position), then char n-grams
 *    (word by word, n ascending, then position); each id = `fnv1a32(key) mod vocabSize` (UTF-8).
 */
export function hashedNgramIds(text: string, config: HashedNgramConfig): number[] {
  let normal = text.normalize('NFKC');
  if (config.lowercase) normal = normal.toLowerCase();
  const words: string[] = [];
  for (const match of normal.matchAll(WORD)) {
    if (words.length >= config.maxTokens) break;
    words.push(match[0]);
  }
  const ids: number[] = [];
  const add = (key: string) => ids.push(fnv1a32(key) % config.vocabSize);
  for (let n = 1; n <= config.wordNgramMax; n++) {
    for (let i = 0; i + n <= words.length; i++) add(`w${n}:${words.slice(i, i + n).join(' ')}`);
  }
  if (config.charNgramMax > 0) {
    for (const word of words) {
      const chars = Array.from(`<${word}>`);
      for (let n = config.charNgramMin; n <= config.charNgramMax; n++) {
        for (let i = 0; i + n <= chars.length; i++) add(`c${n}:${chars.slice(i, i + n).join('')}`);
      }
    }
  }
  return ids;
}
