/**
 * The token classification path of the `evaluator.evaluate` job (taggers):
 * each record's tokens become `token_ids` by the version's `token_ids_v1`
 * recipe, the model answers `[batch, time, tags]` probabilities, the argmax
 * tag of each real token (padding is not read) is compared with the gold
 * IOB2 tags of the record's spans: entity-level scores under the CoNLL rules
 * and token-level scores (TokenMetrics).
 *
 * Stored predictions, one per record: `true_label` and `predicted_label` are
 * the gold and predicted entities as JSON span lists in the label field's
 * own form (`[{"start":0,"end":4,"label":"PER"}]`, code points), and
 * `confidence` is the mean over the record's tokens of the chosen tag's
 * probability.
 */
import { evaluator } from '@l1g1/contracts';
import { errors, outputScoreRows, type JsonValue } from '@l1g1/kit';
import type { EvaluatePlan } from '../domain/evaluations/evaluate-params';
import { inputTensor } from '../domain/evaluations/model-input';
import { tagSpans } from '../domain/evaluations/tag-spans';
import { tokenExample } from '../domain/evaluations/token-example';
import { tokenReport } from '../domain/evaluations/token-report';
import { topClass } from '../metrics';
import { completeEvaluation } from './complete-evaluation';
import type { EvaluateJobContext, EvaluateJobDeps } from './evaluate-job-deps';
import { predictInBatches } from './predict-batches';
import { readExamples } from './read-examples';

export async function evaluateTokenClassification(deps: EvaluateJobDeps, plan: EvaluatePlan, runId: string, ctx: EvaluateJobContext): Promise<{ [k: string]: number }> {
  const input = plan.input;
  if (input.kind !== 'token_ids') {
    // planEvaluation pins token runs to token_ids inputs; a plan saying otherwise was not written by it.
    throw errors.failedPrecondition('model: a token classification run needs a token_ids_v1 model input', { field: 'model', reason: 'MODEL_INPUT_UNSUPPORTED' });
  }
  const { examples, skipped } = await readExamples(deps, plan, ctx, (record) => tokenExample(record, input.recipe, plan.labelField));
  const tags = plan.classNames.length;
  const predicted: string[][] = new Array<string[]>(examples.length);
  const confidence: number[] = new Array<number>(examples.length);
  await predictInBatches(deps, plan, ctx, examples, {
    input: (batch) => inputTensor(input, batch.map((e) => e.ids)),
    read(outputs, batch, offset) {
      const time = Math.max(1, ...batch.map((e) => e.ids.length));
      const rows = outputScoreRows(outputs, plan.outputName, batch.length * time, tags);
      batch.forEach((e, b) => {
        let sum = 0;
        predicted[offset + b] = e.ids.map((_, t) => {
          const top = topClass(rows[b * time + t] as number[]);
          sum += top.confidence;
          return plan.classNames[top.index] as string;
        });
        confidence[offset + b] = sum / e.ids.length;
      });
    },
  });
  const report = tokenReport(
    examples.map((e) => e.gold),
    predicted,
  );
  const predictions = plan.storePredictions
    ? examples.map((e, i) => ({
        recordId: e.id,
        trueLabel: JSON.stringify(tagSpans(e.gold, e.tokens)),
        predictedLabel: JSON.stringify(tagSpans(predicted[i] as string[], e.tokens)),
        confidence: confidence[i] as number,
      }))
    : null;
  return completeEvaluation(deps, plan, runId, ctx, {
    records: examples.length,
    skipped,
    metrics: report.metrics,
    classification: null,
    token: evaluator.TokenMetrics.toJSON(report.token) as JsonValue,
    predictions,
    headline: ['entity_f1', 'entity_precision', 'entity_recall', 'token_f1', 'token_accuracy'],
  });
}
