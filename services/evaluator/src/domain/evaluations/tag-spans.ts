/**
 * The entities of an IOB2 tag sequence (CoNLL rules, as scored) back in the
 * label field's own form: `{start, end, label}` in code points of the text,
 * end exclusive. Stored predictions use it, so a reader compares them with
 * the record's spans without knowing the tokenizer. Lives in @l1g1/features
 * (labeling's span pre-labels decode with it too).
 */
export { tagSpans } from '@l1g1/features';
