import { f1Of, safeDivide } from './precision-recall-f1';

/** Token-level scores of a tagger (TokenMetrics' token_* fields). */
export interface TokenScores {
  /** Over tokens predicted as an entity tag (not `outside`): how many carry the gold tag. */
  precision: number;
  /** Over tokens whose gold tag is an entity tag: how many were predicted exactly. */
  recall: number;
  f1: number;
  /** Every token, `outside` included: predicted tag equals gold tag. */
  accuracy: number;
}

/**
 * Per-token scores with the outside tag left out of the averages, as
 * scikit-learn's `precision_recall_fscore_support(gold, pred, average='micro',
 * labels=<every tag but O>, zero_division=0)` over the flattened sequences;
 * accuracy counts every token. Without leaving O out, a tagger that answers
 * O everywhere would score the share of O tokens (often above 0.8).
 */
export function tokenScores(gold: readonly (readonly string[])[], predicted: readonly (readonly string[])[], outside = 'O'): TokenScores {
  if (gold.length !== predicted.length) throw new RangeError(`paired inputs differ in length: ${gold.length} vs ${predicted.length}`);
  let tokens = 0;
  let equal = 0;
  let tp = 0;
  let predictedEntity = 0;
  let goldEntity = 0;
  gold.forEach((g, i) => {
    const p = predicted[i] as readonly string[];
    if (g.length !== p.length) throw new RangeError(`sequence ${i} differs in length: ${g.length} vs ${p.length}`);
    g.forEach((tag, t) => {
      const guess = p[t] as string;
      tokens++;
      if (guess === tag) equal++;
      if (guess !== outside) predictedEntity++;
      if (tag !== outside) goldEntity++;
      if (guess === tag && tag !== outside) tp++;
    });
  });
  const precision = safeDivide(tp, predictedEntity);
  const recall = safeDivide(tp, goldEntity);
  return { precision, recall, f1: f1Of(precision, recall), accuracy: safeDivide(equal, tokens) };
}
