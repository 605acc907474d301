/**
 * A snapshot record as a token classification run reads it: the recipe's
 * tokens (code-point offsets) and ids, and the gold IOB2 tags of its label
 * spans projected onto those tokens by the trainer's own rule (@l1g1/features
 * `iob2Tags`), so a run scores what the model was trained to tag.
 */
import { entitySpans, iob2Tags, taggedText, textTokenIds, type Token, type TokenIdsRecipe } from '@l1g1/features';
import type { EvalRecord } from '../../adapters/ingestion-reader';

export interface TokenExample {
  id: string;
  tokens: Token[];
  ids: number[];
  /** One IOB2 tag per token. */
  gold: string[];
}

/**
 * The record's example, or undefined when the record carries no label field
 * (it is skipped, as a classification run skips an unlabelled record) or no
 * token. `""` and `[]` are a record without entities.
 * @throws INVALID_ARGUMENT naming `label_field` and the record when its spans are malformed.
 */
export function tokenExample(record: EvalRecord, recipe: TokenIdsRecipe, labelField: string): TokenExample | undefined {
  if (record.metadata[labelField] === undefined) return undefined;
  const text = taggedText(record);
  const spans = entitySpans(record, labelField, [...text].length, 0, 'label_field');
  const { tokens, ids } = textTokenIds(text, recipe);
  if (tokens.length === 0) return undefined;
  return { id: record.id, tokens, ids, gold: iob2Tags(tokens, spans) };
}
