/**
 * How a language model cuts text into token ids: the trainer fits and encodes with these
 * functions, and the evaluator (or any client) reproduces the model's input with them from the
 * version's `preprocess` tag ({@link parseLmRecipeTag}). Moved here from the trainer unchanged.
 */

/** How a language model cuts text into tokens. */
export type LmTokenLevel = 'char' | 'word';

/** The token every id outside the vocabulary maps to; always id 0. */
export const LM_UNKNOWN_TOKEN = '<unk>';

/** Words (letters and digits, inner apostrophes kept) and single punctuation marks; whitespace is dropped. */
const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*|[^\s\p{L}\p{N}]/gu;

/** `char`: one token per Unicode code point (whitespace included); `word`: see {@link WORD}. Case is kept. */
export function tokenizeLmText(text: string, level: LmTokenLevel): string[] {
  return level === 'char' ? Array.from(text) : (text.match(WORD) ?? []);
}

/**
 * A fitted vocabulary: id 0 is `<unk>`, then the training text's most frequent tokens (ties in
 * code-unit order), so the same training records always give the same ids (exact resume).
 */
export interface LmVocabulary {
  level: LmTokenLevel;
  /** Token by id. */
  tokens: readonly string[];
  idOf: ReadonlyMap<string, number>;
}

/** A vocabulary from its tokens in id order (id 0 must be `<unk>`), e.g. read back from a tag. */
export function lmVocabularyOf(level: LmTokenLevel, tokens: readonly string[]): LmVocabulary {
  return { level, tokens, idOf: new Map(tokens.map((t, i) => [t, i])) };
}

/** The `maxSize - 1` most frequent tokens of `texts`, after `<unk>`. */
export function buildLmVocabulary(texts: Iterable<string>, level: LmTokenLevel, maxSize: number): LmVocabulary {
  const counts = new Map<string, number>();
  for (const text of texts) for (const token of tokenizeLmText(text, level)) counts.set(token, (counts.get(token) ?? 0) + 1);
  counts.delete(LM_UNKNOWN_TOKEN);
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return lmVocabularyOf(level, [LM_UNKNOWN_TOKEN, ...ranked.slice(0, maxSize - 1).map(([t]) => t)]);
}

/** Token ids of `text`; tokens outside the vocabulary become 0 (`<unk>`). */
export function encodeLmTokens(vocabulary: LmVocabulary, text: string): number[] {
  return tokenizeLmText(text, vocabulary.level).map((t) => vocabulary.idOf.get(t) ?? 0);
}

/**
 * Records' texts in order as the model's one text stream: at char level a newline separates
 * records (the model learnt to predict it), at word level nothing does (whitespace is no token).
 */
export function lmStreamTexts(texts: readonly string[], level: LmTokenLevel): string[] {
  return texts.map((text, i) => (level === 'char' && i > 0 ? `\n${text}` : text));
}
