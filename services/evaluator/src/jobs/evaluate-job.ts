/**
 * The `evaluator.evaluate` job: reads the pinned split, turns records into
 * the model's input, predicts through the inference service in batches
 * (bounded concurrency, the asked precision), computes the metrics, stores
 * the run and, when asked, merges the headline metrics into the registry
 * version. Progress is reported as the batches return.
 *
 * An attempt holds no partial state: a retried or resumed job starts over
 * (evaluation is a read; repeating it changes nothing).
 */
import { evaluator, precisionName, type common } from '@l1g1/contracts';
import { errors, jobAbortReason, outputScoreRows, type JobHandler, type JsonValue } from '@l1g1/kit';
import { asProbabilities, classificationReport } from '../domain/evaluations/classification-report';
import { decodeEvaluatePlan, type EvaluatePlan } from '../domain/evaluations/evaluate-params';
import { inputTensor, recordInput, type RecordInput } from '../domain/evaluations/model-input';
import { sampleByHash } from '../domain/evaluations/record-sample';
import { registryMetrics } from '../domain/evaluations/registry-metric-keys';
import type { EvaluateJobDeps } from './evaluate-job-deps';
import { evaluateLanguageModel } from './evaluate-language-model';
import { predictBatches } from './predict-batches';

export type { EvaluateJobDeps } from './evaluate-job-deps';

/** Progress reports per run at most (each is a store write and an event). */
const PROGRESS_STEPS = 20;

interface Example {
  id: string;
  label: number;
  input: RecordInput;
}

export function createEvaluateJobHandler(deps: EvaluateJobDeps): JobHandler {
  return async (ctx) => {
    const plan = decodeEvaluatePlan(ctx.params);
    const runId = ctx.job.id;
    await deps.evaluations.setState(runId, 'running');
    try {
      return plan.task === 'language_modeling' ? await evaluateLanguageModel(deps, plan, runId, ctx) : await runEvaluation(deps, plan, runId, ctx);
    } catch (err: unknown) {
      const reason = jobAbortReason(ctx.signal);
      // Shutdown or a lost lease puts the job back in the queue; a cancel or a failure ends this attempt.
      await deps.evaluations.setState(runId, reason === 'cancelled' ? 'cancelled' : reason ? 'queued' : 'failed').catch(() => undefined);
      throw err;
    }
  };
}

async function runEvaluation(deps: EvaluateJobDeps, plan: EvaluatePlan, runId: string, ctx: Parameters<JobHandler>[0]): Promise<{ [k: string]: number }> {
  const precision = precisionName(plan.precision) ?? 'fp32';
  const classIndex = new Map(plan.classNames.map((c, i) => [c, i]));
  await ctx.progress({ fraction: 0, message: `reading ${plan.dataset}@${plan.snapshot}${plan.split ? ` split ${plan.split}` : ''}` });
  const read: Example[] = [];
  let skipped = 0;
  for await (const record of deps.snapshots.readRecords({ name: plan.dataset, snapshot: plan.snapshot }, plan.split, ctx.signal)) {
    const label = classIndex.get(record.metadata[plan.labelField] ?? '');
    const input = recordInput(plan.input, record);
    if (label === undefined || typeof input === 'string') {
      skipped++;
      continue;
    }
    read.push({ id: record.id, label, input });
    if (read.length > deps.maxRecords) {
      throw errors.failedPrecondition(`max_records: the split holds more than ${deps.maxRecords} records, the evaluator's limit; set max_records`, { field: 'max_records', reason: 'TOO_MANY_RECORDS' });
    }
  }
  const examples = sampleByHash(read, plan.maxRecords, plan.seed);
  const batches: Example[][] = [];
  for (let i = 0; i < examples.length; i += plan.batchSize) batches.push(examples.slice(i, i + plan.batchSize));
  const probabilities: number[][] = new Array<number[]>(examples.length);
  const model: common.ModelRef = { name: plan.modelName, selector: { $case: 'version', value: plan.modelVersion } };
  await predictBatches({
    batches,
    concurrency: deps.predictConcurrency,
    steps: PROGRESS_STEPS,
    run: async (batch, b) => {
      const outputs = await deps.predictor.predict({ model, precision: plan.precision, inputs: [inputTensor(plan.input, batch.map((e) => e.input))] }, ctx.signal);
      const rows = outputScoreRows(outputs, plan.outputName, batch.length, plan.classNames.length);
      rows.forEach((row, i) => (probabilities[b * plan.batchSize + i] = asProbabilities(row)));
    },
    progress: (done, total) => ctx.progress({ fraction: done / total, counters: { records_done: done, records_total: total }, message: `predicted ${done} of ${total} records` }),
  });
  const yTrue = examples.map((e) => e.label);
  const report = classificationReport(yTrue, probabilities, { classNames: plan.classNames, positiveClass: plan.positiveClass, calibrationBins: plan.calibrationBins });
  await ctx.emit('metric', { split: plan.split, precision, records: examples.length, metrics: report.metrics });
  const predictions = plan.storePredictions
    ? examples.map((e, i) => ({
        recordId: e.id,
        trueLabel: plan.classNames[e.label] as string,
        predictedLabel: plan.classNames[report.predicted[i] as number] as string,
        confidence: Math.max(...(probabilities[i] as number[])),
      }))
    : null;
  if (plan.recordInRegistry) await deps.registry.recordMetrics(plan.modelName, plan.modelVersion, registryMetrics(plan.split, precision, report.metrics));
  await deps.evaluations.finish(runId, {
    state: 'succeeded',
    finishedAtMs: Date.now(),
    recordsEvaluated: examples.length,
    recordsSkipped: skipped,
    metrics: report.metrics,
    classification: toJsonValue(report.classification),
    token: null,
    predictions,
  });
  deps.logger.info({ runId, model: `${plan.modelName}@${plan.modelVersion}`, precision, records: examples.length, skipped }, 'evaluation finished');
  await ctx.progress({ fraction: 1, counters: { records_done: examples.length, records_total: examples.length, records_skipped: skipped }, message: 'evaluated' });
  const headline: { [k: string]: number } = {};
  for (const k of ['accuracy', 'macro_f1', 'weighted_f1', 'auc', 'ece'] as const) if (report.metrics[k] !== undefined) headline[k] = report.metrics[k];
  return headline;
}

function toJsonValue(m: evaluator.ClassificationMetrics): JsonValue {
  return evaluator.ClassificationMetrics.toJSON(m) as JsonValue;
}
