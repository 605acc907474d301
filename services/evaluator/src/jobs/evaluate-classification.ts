/**
 * The classification path of the `evaluator.evaluate` job: one label per
 * record, a probability row per record from the model, the
 * ClassificationMetrics report.
 */
import { evaluator } from '@l1g1/contracts';
import { outputScoreRows, type JsonValue } from '@l1g1/kit';
import { asProbabilities, classificationReport } from '../domain/evaluations/classification-report';
import type { EvaluatePlan } from '../domain/evaluations/evaluate-params';
import { inputTensor, recordInput, type RecordInput } from '../domain/evaluations/model-input';
import { completeEvaluation } from './complete-evaluation';
import type { EvaluateJobContext, EvaluateJobDeps } from './evaluate-job-deps';
import { predictInBatches } from './predict-batches';
import { readExamples } from './read-examples';

interface Example {
  id: string;
  label: number;
  input: RecordInput;
}

export async function evaluateClassification(deps: EvaluateJobDeps, plan: EvaluatePlan, runId: string, ctx: EvaluateJobContext): Promise<{ [k: string]: number }> {
  const classIndex = new Map(plan.classNames.map((c, i) => [c, i]));
  const { examples, skipped } = await readExamples(deps, plan, ctx, (record): Example | undefined => {
    const label = classIndex.get(record.metadata[plan.labelField] ?? '');
    const input = recordInput(plan.input, record);
    return label === undefined || typeof input === 'string' ? undefined : { id: record.id, label, input };
  });
  const probabilities: number[][] = new Array<number[]>(examples.length);
  await predictInBatches(deps, plan, ctx, examples, {
    input: (batch) => inputTensor(plan.input, batch.map((e) => e.input)),
    read(outputs, batch, offset) {
      const rows = outputScoreRows(outputs, plan.outputName, batch.length, plan.classNames.length);
      rows.forEach((row, i) => (probabilities[offset + i] = asProbabilities(row)));
    },
  });
  const report = classificationReport(
    examples.map((e) => e.label),
    probabilities,
    { classNames: plan.classNames, positiveClass: plan.positiveClass, calibrationBins: plan.calibrationBins },
  );
  const predictions = plan.storePredictions
    ? examples.map((e, i) => ({
        recordId: e.id,
        trueLabel: plan.classNames[e.label] as string,
        predictedLabel: plan.classNames[report.predicted[i] as number] as string,
        confidence: Math.max(...(probabilities[i] as number[])),
      }))
    : null;
  return completeEvaluation(deps, plan, runId, ctx, {
    records: examples.length,
    skipped,
    metrics: report.metrics,
    classification: evaluator.ClassificationMetrics.toJSON(report.classification) as JsonValue,
    token: null,
    predictions,
    headline: ['accuracy', 'macro_f1', 'weighted_f1', 'auc', 'ece'],
  });
}
