/**
 * A token classification run's figures from gold and predicted IOB2 tag
 * sequences (one per record): the TokenMetrics message and the flat metric
 * map gates refer to.
 */
import { evaluator } from '@l1g1/contracts';
import { iob2EntityScores, tokenScores } from '../../metrics';

export interface TokenReport {
  token: evaluator.TokenMetrics;
  /**
   * entity_precision, entity_recall, entity_f1, token_precision,
   * token_recall, token_f1, token_accuracy, and entity_precision/<type>,
   * entity_recall/<type>, entity_f1/<type>.
   */
  metrics: Record<string, number>;
}

export function tokenReport(gold: readonly (readonly string[])[], predicted: readonly (readonly string[])[]): TokenReport {
  const entities = iob2EntityScores(gold, predicted);
  const tokens = tokenScores(gold, predicted);
  const token = evaluator.TokenMetrics.fromPartial({
    entityPrecision: entities.precision,
    entityRecall: entities.recall,
    entityF1: entities.f1,
    tokenPrecision: tokens.precision,
    tokenRecall: tokens.recall,
    tokenF1: tokens.f1,
    tokenAccuracy: tokens.accuracy,
    perType: entities.perType.map((t) => ({ label: t.type, precision: t.precision, recall: t.recall, f1: t.f1, support: t.support })),
  });
  const metrics: Record<string, number> = {
    entity_precision: entities.precision,
    entity_recall: entities.recall,
    entity_f1: entities.f1,
    token_precision: tokens.precision,
    token_recall: tokens.recall,
    token_f1: tokens.f1,
    token_accuracy: tokens.accuracy,
  };
  for (const t of entities.perType) {
    metrics[`entity_precision/${t.type}`] = t.precision;
    metrics[`entity_recall/${t.type}`] = t.recall;
    metrics[`entity_f1/${t.type}`] = t.f1;
  }
  return { token, metrics };
}
