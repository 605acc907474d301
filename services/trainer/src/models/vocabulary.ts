/** How a language model cuts text into tokens. */
export type TokenLevel = 'char' | 'word';

/** The token every id outside the vocabulary maps to; always id 0. */
export const UNKNOWN_TOKEN = '<unk>';

/** Words (letters and digits, inner apostrophes kept) and single punctuation marks; whitespace is dropped. */
const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*|[^\s\p{L}\p{N}]/gu;

/** `char`: one token per Unicode code point (whitespace included); `word`: see {@link WORD}. Case is kept. */
export function tokenize(text: string, level: TokenLevel): string[] {
  return level === 'char' ? Array.from(text) : (text.match(WORD) ?? []);
}

/**
 * A fitted vocabulary: id 0 is `<unk>`, then the training text's most frequent tokens (ties in
 * code-unit order), so the same training records always give the same ids (exact resume).
 */
export interface Vocabulary {
  level: TokenLevel;
  /** Token by id. */
  tokens: readonly string[];
  idOf: ReadonlyMap<string, number>;
}

/** The `maxSize - 1` most frequent tokens of `texts`, after `<unk>`. */
export function buildVocabulary(texts: Iterable<string>, level: TokenLevel, maxSize: number): Vocabulary {
  const counts = new Map<string, number>();
  for (const text of texts) for (const token of tokenize(text, level)) counts.set(token, (counts.get(token) ?? 0) + 1);
  counts.delete(UNKNOWN_TOKEN);
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const tokens = [UNKNOWN_TOKEN, ...ranked.slice(0, maxSize - 1).map(([t]) => t)];
  return { level, tokens, idOf: new Map(tokens.map((t, i) => [t, i])) };
}

/** Token ids of `text`; tokens outside the vocabulary become 0 (`<unk>`). */
export function encodeTokens(vocabulary: Vocabulary, text: string): number[] {
  return tokenize(text, vocabulary.level).map((t) => vocabulary.idOf.get(t) ?? 0);
}
