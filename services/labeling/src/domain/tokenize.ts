/**
 * The tokenizer behind BIO tags (agreement units for NER, CoNLL export):
 * words (letters, digits, _) and single punctuation marks, split further at
 * every span edge so that a span always covers whole tokens — adjacent
 * spans and spans starting or ending inside a word stay exact.
 */

export interface Token {
  start: number;
  end: number;
  text: string;
}

/** Tokens of `text`; `cuts` are extra offsets (span edges) where a token must end. */
export function tokenize(text: string, cuts: readonly number[] = []): Token[] {
  const edges = new Set(cuts);
  const out: Token[] = [];
  const re = /[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu;
  for (const m of text.matchAll(re)) {
    const start = m.index;
    const end = start + m[0].length;
    let s = start;
    for (let i = start + 1; i < end; i++) {
      if (edges.has(i)) {
        out.push({ start: s, end: i, text: text.slice(s, i) });
        s = i;
      }
    }
    out.push({ start: s, end, text: text.slice(s, end) });
  }
  return out;
}

export interface TagSpan {
  start: number;
  end: number;
  label: string;
}

/** IOB2 tags of `tokens` for non-overlapping `spans` (a token inside a span gets its label; the span's first token B-). */
export function bioTags(tokens: readonly Token[], spans: readonly TagSpan[]): string[] {
  let previous: TagSpan | undefined;
  return tokens.map((t) => {
    const s = spans.find((x) => t.start >= x.start && t.end <= x.end);
    // B- when the token opens its span (the one before lies outside it), so adjacent spans of one label stay apart.
    const tag = !s ? 'O' : previous === s ? `I-${s.label}` : `B-${s.label}`;
    previous = s;
    return tag;
  });
}

/** Spans back from tokens and their IOB2 tags (an I- without a matching B- starts a span, as conlleval does). */
export function spansFromBio(tokens: readonly Token[], tags: readonly string[]): TagSpan[] {
  const out: TagSpan[] = [];
  let cur: TagSpan | undefined;
  tokens.forEach((t, i) => {
    const tag = tags[i] ?? 'O';
    const label = tag.slice(2);
    if (tag.startsWith('B-') || (tag.startsWith('I-') && (!cur || cur.label !== label))) {
      if (cur) out.push(cur);
      cur = { start: t.start, end: t.end, label };
    } else if (tag.startsWith('I-') && cur) {
      cur.end = t.end;
    } else {
      if (cur) out.push(cur);
      cur = undefined;
    }
  });
  if (cur) out.push(cur);
  return out;
}
