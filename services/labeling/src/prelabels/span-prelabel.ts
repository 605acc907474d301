/**
 * A token tagger's answer for one record → its span pre-label: the argmax
 * tag of each real token (padding rows are not read), entities chunked
 * under the CoNLL rules (@l1g1/features `tagSpans`, the evaluator's own
 * chunker), code-point offsets turned into the UTF-16 offsets labeling
 * spans use, then validated against the project's span labels (which fills
 * in each span's covered text).
 *
 * `score` is the mean over the record's tokens of the chosen tag's
 * probability (the contract's "mean for spans"; the evaluator's stored
 * `confidence` is the same number); a record without tokens scores 1. There
 * is no per-span score in the contract, so none is stored.
 */
import { labeling } from '@l1g1/contracts';
import { tagSpans, type Token } from '@l1g1/features';
import { sequenceUncertaintyOf } from '../active-learning/sequence-uncertainty';
import type { Uncertainty } from '../active-learning/uncertainty';
import { validateAnnotationValue } from '../domain/validate-annotation';
import { codePointToUtf16 } from './span-offsets';

export interface SpanPrelabel {
  value: labeling.AnnotationValue;
  score: number;
  uncertainty: Uncertainty;
}

/**
 * @param tokenScores one tag distribution per real token, in token order
 * @param tagNames output index → IOB2 tag name
 * @param spanLabels the project's span labels (every tag type is one: checked when planned)
 */
export function spanPrelabel(tokenScores: readonly (readonly number[])[], tagNames: readonly string[], text: string, tokens: readonly Token[], spanLabels: readonly string[]): SpanPrelabel {
  let sum = 0;
  const tags = tokenScores.map((p) => {
    let top = 0;
    for (let j = 1; j < p.length; j++) if ((p[j] as number) > (p[top] as number)) top = j;
    sum += p[top] as number;
    return tagNames[top] as string;
  });
  const utf16 = codePointToUtf16(text);
  const spans = tagSpans(tags, tokens).map((s) => ({ start: utf16(s.start), end: utf16(s.end), label: s.label, text: '' }));
  const config = labeling.LabelConfig.fromPartial({ taskType: labeling.TaskType.TASK_TYPE_NER, classes: spanLabels.map((name, index) => ({ name, index })) });
  const value = validateAnnotationValue(config, { text }, { value: { $case: 'ner', value: { spans } } });
  return { value, score: tokenScores.length === 0 ? 1 : sum / tokenScores.length, uncertainty: sequenceUncertaintyOf(tokenScores) };
}
