import { errors } from '@l1g1/kit';
import { recipeText, type TextRecord } from './featurize';
import { fnv1a32 } from './fnv1a';

/**
 * The token tagger's text side: the tokenizer, token ids, the label field's entity spans and
 * their IOB2 tags, shared by the trainer (training examples), the evaluator (gold tags of a
 * snapshot) and any serving client. Clients must reproduce {@link tokenize} and {@link tokenIds}
 * exactly; the recipe travels in the registry's `preprocess` tag (`token-ids-recipe.ts`).
 *
 * Offsets are Unicode code points of the record's text (`[...text]` indices; Python's `str`
 * indices), start inclusive, end exclusive: the same for every client language, where UTF-16
 * indices would differ from Python's on astral characters (emoji).
 */

/** A token: its text and its code-point offsets in the original string. */
export interface Token {
  text: string;
  start: number;
  end: number;
}

/** An entity span of the label field: `{"start":0,"end":5,"label":"PER"}`. */
export interface EntitySpan {
  start: number;
  end: number;
  label: string;
}

/**
 * Words (runs of letters, digits, marks and `_`) and single other non-space characters
 * (punctuation and symbols, one token each), in text order. Unicode property escapes, so the
 * pattern is the same in JS, Python's `regex` and Java.
 */
export const TOKEN_PATTERN = /[\p{L}\p{N}\p{M}_]+|[^\s\p{L}\p{N}\p{M}_]/gu;

/** The tag of a token outside every entity. */
export const OUTSIDE_TAG = 'O';

/**
 * Splits `text` into at most `maxTokens` tokens ({@link TOKEN_PATTERN}) with code-point offsets;
 * deterministic and without normalisation, so offsets point into the text as stored. Tokens
 * after the first `maxTokens` are dropped (and so are their entities).
 */
export function tokenize(text: string, maxTokens: number): Token[] {
  const tokens: Token[] = [];
  // UTF-16 index → code-point index, advanced along the matches (they come in order).
  let unit = 0;
  let point = 0;
  const pointAt = (index: number): number => {
    while (unit < index) {
      const code = text.codePointAt(unit) as number;
      unit += code > 0xffff ? 2 : 1;
      point += 1;
    }
    return point;
  };
  for (const match of text.matchAll(TOKEN_PATTERN)) {
    if (tokens.length >= maxTokens) break;
    const start = pointAt(match.index);
    const end = pointAt(match.index + match[0].length);
    tokens.push({ text: match[0], start, end });
  }
  return tokens;
}

/** A token's id: `fnv1a32(NFKC(token), UTF-8) mod vocabSize`; case is kept (a capital is a cue for names). */
export function tokenId(token: string, vocabSize: number): number {
  return fnv1a32(token.normalize('NFKC')) % vocabSize;
}

/** The ids of `tokens`, in order. */
export function tokenIds(tokens: readonly Token[], vocabSize: number): number[] {
  return tokens.map((t) => tokenId(t.text, vocabSize));
}

/** The IOB2 tag list for `entityTypes`: `O`, then `B-T`, `I-T` per type in the given order. */
export function iob2TagNames(entityTypes: readonly string[]): string[] {
  return [OUTSIDE_TAG, ...entityTypes.flatMap((t) => [`B-${t}`, `I-${t}`])];
}

/** A record whose payload is tagged: a {@link TextRecord} with its id when known (named in errors). */
export interface TaggedTextRecord extends TextRecord {
  id?: string;
}

function recordName(record: TaggedTextRecord, index: number): string {
  return record.id === undefined ? `#${index}` : record.id;
}

/** The record's payload as text (UTF-8; invalid bytes become U+FFFD), the text spans point into. */
export function taggedText(record: TextRecord): string {
  return recipeText(record, []);
}

/**
 * The record's entity spans from `metadata[labelField]` (a JSON array; a missing field or `""`
 * is a record without entities), sorted by start.
 * @throws INVALID_ARGUMENT naming `field` (the caller's name for the label field: the trainer's
 *   `data.label_field`, the evaluator's `label_field`) and the record for bad JSON, a span outside
 *   the text (in code points), an empty span, a span without a label, or overlapping spans.
 */
export function entitySpans(record: TaggedTextRecord, labelField: string, textLength: number, index = 0, field = 'data.label_field'): EntitySpan[] {
  const raw = record.metadata[labelField];
  if (raw === undefined || raw.trim() === '') return [];
  const bad = (why: string) => errors.invalidArgument(field, `record ${recordName(record, index)}: ${why}`, { reason: 'BAD_ENTITY_SPANS' });
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw bad(`metadata "${labelField}" is not JSON (expected [{"start":0,"end":5,"label":"PER"}, ...])`);
  }
  if (!Array.isArray(parsed)) throw bad(`metadata "${labelField}" must be a JSON array of spans`);
  const spans = parsed.map((item: unknown, i): EntitySpan => {
    const s = item as Partial<Record<'start' | 'end' | 'label', unknown>> | null;
    if (typeof s !== 'object' || s === null) throw bad(`span ${i} is not an object`);
    const { start, end, label } = s;
    if (typeof label !== 'string' || label === '' || label.length > 64 || /\s/.test(label)) {
      throw bad(`span ${i} needs a "label" of 1-64 characters without spaces`);
    }
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end)) throw bad(`span ${i} needs integer "start" and "end"`);
    const [a, b] = [start as number, end as number];
    if (a < 0 || b > textLength || a >= b) throw bad(`span ${i} [${a}, ${b}) is empty or outside the text (${textLength} characters)`);
    return { start: a, end: b, label };
  });
  spans.sort((x, y) => x.start - y.start);
  for (let i = 1; i < spans.length; i++) {
    const [prev, next] = [spans[i - 1] as EntitySpan, spans[i] as EntitySpan];
    if (next.start < prev.end) throw bad(`spans [${prev.start}, ${prev.end}) and [${next.start}, ${next.end}) overlap`);
  }
  return spans;
}

/**
 * Spans → one IOB2 tag per token. The rule: a token belongs to the first span (in text order)
 * it overlaps by at least one character, so a span that starts or ends inside a token takes the
 * whole token; the span's first token is `B-`, the following ones `I-`. Adjacent spans of the
 * same type therefore give `B-X B-X`. A span that overlaps no token of its own (only whitespace,
 * or a token an earlier span already took, or cut by `max_tokens`) tags nothing.
 */
export function iob2Tags(tokens: readonly Token[], spans: readonly EntitySpan[]): string[] {
  const tags = tokens.map(() => OUTSIDE_TAG);
  let first = 0; // spans are sorted and disjoint, tokens are in order: one pass
  for (const span of spans) {
    let begun = false;
    for (let t = first; t < tokens.length; t++) {
      const token = tokens[t] as Token;
      if (token.start >= span.end) break;
      if (token.end <= span.start) {
        first = t + 1;
        continue;
      }
      if (tags[t] !== OUTSIDE_TAG) continue;
      tags[t] = `${begun ? 'I' : 'B'}-${span.label}`;
      begun = true;
    }
  }
  return tags;
}

/** The sorted distinct entity types of `records`' spans (validated as {@link entitySpans} does). */
export function entityTypesOf(records: readonly TaggedTextRecord[], labelField = 'label'): string[] {
  const types = new Set<string>();
  records.forEach((r, i) => {
    for (const s of entitySpans(r, labelField, [...taggedText(r)].length, i)) types.add(s.label);
  });
  return [...types].sort();
}
