/**
 * Evaluator messages as `/v1` JSON: snake_case, lowercase enums, RFC 3339
 * timestamps. Spelled out per message (as rest-json.ts) so that user-chosen
 * map keys (metrics such as `f1/<class>`, tags) pass untouched and the
 * schemas in openapi-evaluator.ts describe exactly these shapes.
 */
import { evaluator } from '@l1g1/contracts';
import { precisionName } from '../../rest-json';
import { enumName } from '../ingestion/enum-names';
import { datasetRefJson } from '../ingestion/ingestion-json';
import { jobStatusJson, modelRefJson } from '../trainer/trainer-json';

const E = evaluator;
const timestamp = (d: Date | undefined): string | null => (d ? d.toISOString() : null);
const opt = (n: number | undefined): number | null => n ?? null;

function pageJson(p: { nextPageToken: string; totalSize: number } | undefined) {
  return { next_page_token: p?.nextPageToken ?? '', total_size: p?.totalSize ?? 0 };
}

export const taskName = (t: evaluator.EvalTask): string => enumName(E.EvalTask, 'EVAL_TASK_', t);
export const targetName = (t: evaluator.BenchmarkTarget): string => enumName(E.BenchmarkTarget, 'BENCHMARK_TARGET_', t);
export const comparisonName = (c: evaluator.Comparison): string => enumName(E.Comparison, 'COMPARISON_', c);

function classMetricsJson(c: evaluator.ClassMetrics) {
  return { label: c.label, precision: c.precision, recall: c.recall, f1: c.f1, support: c.support, auc: opt(c.auc) };
}

function classificationJson(m: evaluator.ClassificationMetrics | undefined) {
  if (!m) return null;
  return {
    accuracy: m.accuracy,
    macro_f1: m.macroF1,
    weighted_f1: m.weightedF1,
    micro_f1: m.microF1,
    per_class: m.perClass.map(classMetricsJson),
    confusion_matrix: m.confusionMatrix ? { labels: m.confusionMatrix.labels, counts: m.confusionMatrix.counts } : null,
    auc: opt(m.auc),
    ece: opt(m.ece),
    calibration: m.calibration.map((b) => ({ lower: b.lower, upper: b.upper, count: b.count, mean_confidence: b.meanConfidence, accuracy: b.accuracy })),
    log_loss: opt(m.logLoss),
  };
}

function tokenJson(m: evaluator.TokenMetrics | undefined) {
  if (!m) return null;
  return {
    entity_precision: m.entityPrecision,
    entity_recall: m.entityRecall,
    entity_f1: m.entityF1,
    token_precision: m.tokenPrecision,
    token_recall: m.tokenRecall,
    token_f1: m.tokenF1,
    token_accuracy: m.tokenAccuracy,
    per_type: m.perType.map(classMetricsJson),
  };
}

function evaluateRequestJson(r: evaluator.EvaluateRequest | undefined) {
  if (!r) return null;
  return {
    model: modelRefJson(r.model),
    precision: precisionName(r.precision),
    dataset: datasetRefJson(r.dataset),
    split: r.split,
    label_field: r.labelField,
    task: taskName(r.task),
    class_names: r.classNames,
    positive_class: r.positiveClass,
    calibration_bins: r.calibrationBins,
    batch_size: r.batchSize,
    max_records: r.maxRecords,
    seed: opt(r.seed),
    store_predictions: r.storePredictions,
    record_in_registry: r.recordInRegistry,
    tags: r.tags,
    idempotency_key: r.idempotencyKey,
    window: r.window,
  };
}

/** An evaluation run: its job status flattened (as training jobs), `run_id` first. */
export function evaluationRunJson(r: evaluator.EvaluationRun) {
  return {
    run_id: r.runId,
    ...jobStatusJson(r.status),
    request: evaluateRequestJson(r.request),
    model: modelRefJson(r.model),
    dataset: datasetRefJson(r.dataset),
    precision: precisionName(r.precision),
    records_evaluated: r.recordsEvaluated,
    records_skipped: r.recordsSkipped,
    classification: classificationJson(r.classification),
    token: tokenJson(r.token),
    metrics: r.metrics,
    predictions: r.predictions.map((p) => ({ record_id: p.recordId, true_label: p.trueLabel, predicted_label: p.predictedLabel, confidence: p.confidence })),
    tags: r.tags,
    created_by: r.createdBy,
  };
}

export function listEvaluationsJson(r: evaluator.ListEvaluationsResponse) {
  return { runs: r.runs.map(evaluationRunJson), ...pageJson(r.page) };
}

/** One benchmark combination (one SSE `result` event). Latencies stay in microseconds, as measured. */
export function benchmarkResultJson(r: evaluator.BenchmarkResult) {
  const l = r.latency;
  return {
    run_id: r.runId,
    batch_size: r.batchSize,
    requests: r.requests,
    rows: r.rows,
    errors: r.errors,
    duration_ms: r.durationMs,
    throughput_rows_per_s: r.throughputRowsPerS,
    requests_per_s: r.requestsPerS,
    latency: { mean_us: l?.meanUs ?? 0, p50_us: l?.p50Us ?? 0, p95_us: l?.p95Us ?? 0, p99_us: l?.p99Us ?? 0, max_us: l?.maxUs ?? 0 },
    mean_queue_us: r.meanQueueUs,
    mean_compute_us: r.meanComputeUs,
    model: modelRefJson(r.model),
    precision: precisionName(r.precision),
    device: r.device,
    target: targetName(r.target),
    concurrency: r.concurrency,
    finished_at: timestamp(r.finishedAt),
  };
}

function variantJson(v: evaluator.VariantResult | undefined) {
  if (!v) return null;
  return {
    precision: precisionName(v.precision),
    metrics: v.metrics,
    deltas: v.deltas,
    agreement_with_baseline: v.agreementWithBaseline,
    within_tolerance: v.withinTolerance,
    run_id: v.runId,
    model: modelRefJson(v.model),
    metric_delta: v.metricDelta,
    ci_low: v.ciLow,
    ci_high: v.ciHigh,
    confidence: v.confidence,
    p_value: v.pValue,
    test: v.test,
    baseline_only_correct: v.baselineOnlyCorrect,
    candidate_only_correct: v.candidateOnlyCorrect,
    per_class_deltas: v.perClassDeltas.map((d) => ({ label: d.label, precision: d.precision, recall: d.recall, f1: d.f1, support: d.support })),
    usable: v.usable,
    bound: v.bound,
    evidence: v.evidence,
    recorded: v.recorded,
  };
}

export function compareVariantsJson(r: evaluator.CompareVariantsResponse) {
  return {
    model: modelRefJson(r.model),
    dataset: datasetRefJson(r.dataset),
    baseline: variantJson(r.baseline),
    candidates: r.candidates.map(variantJson),
    metric: r.metric,
    max_drop: r.maxDrop,
    records_compared: r.recordsCompared,
  };
}

function thresholdJson(t: evaluator.MetricThreshold | undefined) {
  if (!t) return null;
  return { metric: t.metric, comparison: comparisonName(t.comparison), value: t.value, relative_to_baseline: t.relativeToBaseline };
}

/** A gate; its name is the `gate_id` of the routes. */
export function gateJson(g: evaluator.Gate) {
  return {
    name: g.name,
    description: g.description,
    thresholds: g.thresholds.map(thresholdJson),
    dataset: datasetRefJson(g.dataset),
    split: g.split,
    label_field: g.labelField,
    baseline_alias: g.baselineAlias,
    promote_alias: g.promoteAlias,
    max_variant_drop: opt(g.maxVariantDrop),
    max_latency_p95_ms: opt(g.maxLatencyP95Ms),
    latency_batch_size: g.latencyBatchSize,
    tags: g.tags,
    created_at: timestamp(g.createdAt),
    updated_at: timestamp(g.updatedAt),
  };
}

export function listGatesJson(r: evaluator.ListGatesResponse) {
  return { gates: r.gates.map(gateJson), ...pageJson(r.page) };
}

export function gateDecisionJson(d: evaluator.GateDecision) {
  return {
    decision_id: d.decisionId,
    gate_name: d.gateName,
    model: modelRefJson(d.model),
    passed: d.passed,
    results: d.results.map((r) => ({ threshold: thresholdJson(r.threshold), actual: r.actual, baseline: opt(r.baseline), compared: r.compared, passed: r.passed })),
    reasons: d.reasons,
    evaluation_run_id: d.evaluationRunId,
    baseline_version: d.baselineVersion,
    baseline_run_id: d.baselineRunId,
    promoted: d.promoted,
    promoted_alias: d.promotedAlias,
    previous_alias_version: d.previousAliasVersion,
    decided_at: timestamp(d.decidedAt),
    decided_by: d.decidedBy,
    latency_p95_ms: opt(d.latencyP95Ms),
    latency_batch_size: d.latencyBatchSize,
    benchmark_run_id: d.benchmarkRunId,
  };
}

export function listGateDecisionsJson(r: evaluator.ListGateDecisionsResponse) {
  return { decisions: r.decisions.map(gateDecisionJson), ...pageJson(r.page) };
}
