import type { EntitySpan, Token } from '@l1g1/features';
import { iob2Entities } from '../../metrics';

/**
 * The entities of an IOB2 tag sequence (CoNLL rules, as scored) back in the
 * label field's own form: `{start, end, label}` in code points of the text,
 * end exclusive. Stored predictions use it, so a reader compares them with
 * the record's spans without knowing the tokenizer.
 */
export function tagSpans(tags: readonly string[], tokens: readonly Token[]): EntitySpan[] {
  return iob2Entities(tags).map((e) => ({ start: (tokens[e.start] as Token).start, end: (tokens[e.end] as Token).end, label: e.type }));
}
