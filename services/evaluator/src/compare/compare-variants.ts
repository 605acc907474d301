/**
 * CompareVariants: evaluates the baseline and each candidate on the same
 * records through the Evaluate job (stored runs with per-record
 * predictions), pairs them by record id and decides each candidate with
 * `comparePaired` (metric delta + bootstrap CI, McNemar, per-class deltas,
 * the within-bound decision and its evidence line). Precision candidates get
 * their usability recorded on the registry version (`variant/<p>/usable`,
 * read by the inference service). With `candidate_model`, two versions are
 * compared instead, and nothing is recorded.
 */
import { common, evaluator, precisionName, type PrecisionName, variantUsabilityTags } from '@l1g1/contracts';
import { errors } from '@l1g1/kit';
import type { ModelRegistry } from '../adapters/model-registry';
import { awaitRun } from '../domain/evaluations/await-run';
import type { EvaluationRow } from '../domain/evaluations/evaluation-store';
import { isLanguageModelVersion } from '../domain/evaluations/plan-language-model';
import { submitEvaluation, type SubmitDeps } from '../domain/evaluations/submit-evaluation';
import { MAX_BOOTSTRAP_RESAMPLES } from '../stats/bootstrap';
import { COMPARABLE_METRICS, comparePaired, type PairedComparison } from './paired-comparison';
import { pairPredictions } from './paired-predictions';

export type CompareDeps = SubmitDeps & { readonly registry: ModelRegistry };

/** Longest a comparison waits for its runs (they keep going past it and stay readable). */
export const COMPARE_WAIT_MS = 10 * 60_000;
const DEFAULT_MAX_DROP = 0.005;

interface Side {
  model: common.ModelRef;
  precision: common.Precision;
  label: string;
}

const pinned = (name: string, version: number): common.ModelRef => ({ name, selector: { $case: 'version', value: version } });

function checkOptions(req: evaluator.CompareVariantsRequest): { metric: string; maxDrop: number; resamples: number; confidence: number; seed: number } {
  const metric = req.metric || 'accuracy';
  if (!(COMPARABLE_METRICS as readonly string[]).includes(metric)) {
    throw errors.invalidArgument('metric', `a comparison bounds one of ${COMPARABLE_METRICS.join(', ')}, got ${JSON.stringify(req.metric)}`);
  }
  const maxDrop = req.maxDrop ?? DEFAULT_MAX_DROP;
  if (!(maxDrop >= 0 && maxDrop <= 1)) throw errors.invalidArgument('max_drop', 'must be within [0, 1] (0.005 = half a point)');
  const resamples = req.resamples || 1000;
  if (!Number.isInteger(resamples) || resamples < 100 || resamples > MAX_BOOTSTRAP_RESAMPLES) throw errors.invalidArgument('resamples', `must be 100-${MAX_BOOTSTRAP_RESAMPLES} (0: 1000)`);
  const confidence = req.confidence ?? 0.95;
  if (!(confidence > 0.5 && confidence < 1)) throw errors.invalidArgument('confidence', 'must be within (0.5, 1)');
  const seed = Number(req.seed ?? 0);
  return { metric, maxDrop, resamples, confidence, seed };
}

export async function compareVariants(deps: CompareDeps, req: evaluator.CompareVariantsRequest, actor: string): Promise<evaluator.CompareVariantsResponse> {
  if (!req.model?.name) throw errors.invalidArgument('model.name', 'is required');
  if (!req.dataset?.name) throw errors.invalidArgument('dataset.name', 'is required');
  const opts = checkOptions(req);
  const baselinePrecision = req.baseline === common.Precision.PRECISION_UNSPECIFIED ? common.Precision.PRECISION_FP32 : req.baseline;
  if (precisionName(baselinePrecision) === undefined) throw errors.invalidArgument('baseline', `unknown precision ${req.baseline}`);
  const version = await deps.registry.resolve(req.model);
  if (isLanguageModelVersion(version)) {
    // Pairing needs one prediction per record; a language model's run has none (compare its Evaluate runs per precision).
    throw errors.failedPrecondition(`model: version ${version.version} of ${version.modelName} is a language model; compare its perplexity with Evaluate per precision`, {
      field: 'model',
      reason: 'TASK_UNSUPPORTED',
    });
  }
  const have = new Set(version.artifacts.map((a) => a.precision));
  if (!have.has(baselinePrecision)) {
    throw errors.failedPrecondition(`version ${version.version} of ${version.modelName} has no ${precisionName(baselinePrecision)} variant`, { field: 'baseline' });
  }
  const baseline: Side = { model: pinned(version.modelName, version.version), precision: baselinePrecision, label: precisionName(baselinePrecision) ?? 'baseline' };

  const byVersion = Boolean(req.candidateModel?.name);
  let candidates: Side[];
  if (byVersion) {
    if (req.candidates.length > 0) throw errors.invalidArgument('candidates', 'compare precisions or versions, not both: leave candidates empty with candidate_model');
    const other = await deps.registry.resolve(req.candidateModel as common.ModelRef);
    if (!other.artifacts.some((a) => a.precision === baselinePrecision)) {
      throw errors.failedPrecondition(`version ${other.version} of ${other.modelName} has no ${precisionName(baselinePrecision)} variant`, { field: 'candidate_model' });
    }
    if (other.modelName === version.modelName && other.version === version.version) throw errors.invalidArgument('candidate_model', 'is the same version as model');
    baseline.label = `${version.modelName} version ${version.version}`;
    candidates = [{ model: pinned(other.modelName, other.version), precision: baselinePrecision, label: `${other.modelName} version ${other.version}` }];
  } else {
    const asked = req.candidates.length > 0 ? [...new Set(req.candidates)] : [...have].filter((p) => p !== baselinePrecision).sort((a, b) => a - b);
    for (const p of asked) {
      if (precisionName(p) === undefined || p === common.Precision.PRECISION_UNSPECIFIED) throw errors.invalidArgument('candidates', `unknown precision ${p}`);
      if (p === baselinePrecision) throw errors.invalidArgument('candidates', `${precisionName(p)} is the baseline`);
      if (!have.has(p)) throw errors.failedPrecondition(`version ${version.version} of ${version.modelName} has no ${precisionName(p)} variant`, { field: 'candidates' });
    }
    if (asked.length === 0) throw errors.failedPrecondition(`version ${version.version} of ${version.modelName} has no variant besides ${baseline.label} to compare`, { field: 'candidates' });
    candidates = asked.map((p) => ({ model: baseline.model, precision: p, label: precisionName(p) as string }));
  }

  // The baseline first: its planning refuses a bad split, label field or input signature before
  // anything else is queued, and pins the snapshot every candidate then reads.
  const evaluate = (side: Side, snapshot: number): Promise<EvaluationRow> =>
    submitEvaluation(
      deps,
      evaluator.EvaluateRequest.fromPartial({
        model: side.model,
        precision: side.precision,
        dataset: { name: req.dataset?.name ?? '', snapshot },
        split: req.split,
        labelField: req.labelField,
        classNames: req.classNames,
        maxRecords: req.maxRecords,
        seed: opts.seed,
        storePredictions: true,
        tags: { purpose: 'compare-variants' },
      }),
      actor,
    );
  const baseQueued = await evaluate(baseline, req.dataset.snapshot);
  const candQueued: EvaluationRow[] = [];
  for (const c of candidates) candQueued.push(await evaluate(c, baseQueued.snapshot));

  const wait = (row: EvaluationRow, side: Side) => awaitRun(deps.evaluations, deps.jobs, row.runId, side.label, { timeoutMs: COMPARE_WAIT_MS });
  const baseRun = await wait(baseQueued, baseline);
  const candRuns: EvaluationRow[] = [];
  for (let i = 0; i < candidates.length; i++) candRuns.push(await wait(candQueued[i]!, candidates[i]!));

  let recordsCompared = 0;
  const results: evaluator.VariantResult[] = [];
  for (let i = 0; i < candidates.length; i++) {
    const side = candidates[i]!;
    const run = candRuns[i]!;
    const paired = pairPredictions(baseRun, run);
    recordsCompared = paired.truth.length;
    const c = comparePaired({ ...paired, metric: opts.metric, maxDrop: opts.maxDrop, seed: opts.seed, resamples: opts.resamples, confidence: opts.confidence }, baseline.label);
    let recorded = false;
    if (!byVersion && req.recordUsability !== false) {
      await deps.registry.recordTags(version.modelName, version.version, variantUsabilityTags(side.label as PrecisionName, c.withinTolerance, c.evidence));
      recorded = true;
    }
    results.push(candidateResult(side, run, baseRun, c, opts.maxDrop, recorded));
  }
  return {
    model: baseline.model,
    dataset: { name: baseRun.dataset, snapshot: baseRun.snapshot },
    baseline: { ...emptyResult(baseline, baseRun), withinTolerance: true, usable: true, bound: opts.maxDrop },
    candidates: results,
    metric: opts.metric,
    maxDrop: opts.maxDrop,
    recordsCompared,
  };
}

function emptyResult(side: Side, run: EvaluationRow): evaluator.VariantResult {
  return evaluator.VariantResult.fromPartial({ precision: side.precision, metrics: run.metrics, runId: run.runId, model: side.model, agreementWithBaseline: 1 });
}

function candidateResult(side: Side, run: EvaluationRow, baseRun: EvaluationRow, c: PairedComparison, bound: number, recorded: boolean): evaluator.VariantResult {
  const deltas: Record<string, number> = {};
  for (const [k, v] of Object.entries(run.metrics)) {
    const b = baseRun.metrics[k];
    if (b !== undefined) deltas[k] = v - b;
  }
  return {
    ...emptyResult(side, run),
    deltas,
    agreementWithBaseline: c.agreement,
    withinTolerance: c.withinTolerance,
    metricDelta: c.interval.delta,
    ciLow: c.interval.lower,
    ciHigh: c.interval.upper,
    confidence: c.interval.confidence,
    pValue: c.mcnemar.pValue,
    test: c.mcnemar.method,
    baselineOnlyCorrect: c.mcnemar.baselineOnly,
    candidateOnlyCorrect: c.mcnemar.candidateOnly,
    perClassDeltas: c.perClass.map((d) => ({ label: d.label, precision: d.precision, recall: d.recall, f1: d.f1, support: d.support })),
    usable: c.withinTolerance,
    bound,
    evidence: c.evidence,
    recorded,
  };
}
