import type { EntitySpan, Token } from './token-text';

/** An entity of a tag sequence: its type and token indices (inclusive end). */
export interface TagChunk {
  type: string;
  start: number;
  end: number;
}

/**
 * Entities of one IOB2 tag sequence under the CoNLL rules (conlleval, and
 * seqeval's default mode): B-X opens an entity; I-X continues an entity of
 * type X and otherwise opens one (a stray I- after O or after another type
 * is an entity, not an error); O or a type change closes it. Shared by the
 * evaluator (entity scores) and labeling (span pre-labels), so a stored
 * pre-label holds exactly the entities the evaluator would score.
 * @throws RangeError for a tag that is not IOB2.
 */
export function iob2Chunks(tags: readonly string[]): TagChunk[] {
  const out: TagChunk[] = [];
  let open: TagChunk | undefined;
  const close = (): void => {
    if (open) out.push(open);
    open = undefined;
  };
  tags.forEach((raw, i) => {
    const { prefix, type } = splitTag(raw);
    if (prefix === 'O') {
      close();
      return;
    }
    if (prefix === 'B' || !open || open.type !== type) {
      close();
      open = { type, start: i, end: i };
      return;
    }
    open.end = i;
  });
  close();
  return out;
}

function splitTag(tag: string): { prefix: 'B' | 'I' | 'O'; type: string } {
  if (tag === 'O' || tag === '') return { prefix: 'O', type: '' };
  const head = tag[0];
  if ((head === 'B' || head === 'I') && tag[1] === '-') return { prefix: head, type: tag.slice(2) };
  // seqeval reads a bare B / I as type "_"; anything else is not IOB2.
  if ((head === 'B' || head === 'I') && tag.length === 1) return { prefix: head, type: '_' };
  throw new RangeError(`"${tag}" is not an IOB2 tag (O, B-<type>, I-<type>)`);
}

/**
 * The entities of a tag sequence in the label field's own form: `{start, end, label}` in code
 * points of the text the tokens came from (end exclusive).
 */
export function tagSpans(tags: readonly string[], tokens: readonly Token[]): EntitySpan[] {
  return iob2Chunks(tags).map((e) => ({ start: (tokens[e.start] as Token).start, end: (tokens[e.end] as Token).end, label: e.type }));
}
