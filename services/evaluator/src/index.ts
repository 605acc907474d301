/**
 * The evaluator (issue 9): model quality on dataset snapshots as durable
 * jobs, the metric library, and (with the gates half) benchmarks, variant
 * comparisons and promotion gates.
 *
 * `startEvaluator` composes the deps and the server; `main.ts` wraps it with
 * config, telemetry and signals, and tests and the launcher call it directly.
 */
export { loadEvaluatorConfig, type EvaluatorConfig } from './config';
export { EVALUATOR_SERVICE_NAME } from './server';
export type { EvaluatorDeps } from './deps';
export { startEvaluator, type StartEvaluatorOptions, type RunningEvaluator } from './start-evaluator';
export { comparePaired, type PairedComparison, type PairedComparisonInput } from './compare/paired-comparison';
export { evaluatorStoragePlan, type EvaluatorStoragePlan, type StoreLocation } from './storage-plan';
