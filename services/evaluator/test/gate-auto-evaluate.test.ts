/**
 * EvaluateGate deciding from scratch through real services: with no run
 * given it evaluates the candidate (and the baseline alias's version) on the
 * gate's data through the Evaluate job; a latency budget runs a short stored
 * benchmark through inference and fails with the figure when over it; bad
 * gates and requests are refused naming the field.
 */
import { strict as assert } from 'node:assert';
import { evaluator } from '@l1g1/contracts';
import { L1g1Error, unary } from '@l1g1/kit';
import { buildMlp } from '@l1g1/onnx';
import { uploadModel } from '../../../test/support/stack';
import { CLASS_NAMES, featureRecords, publishFeatureRecords } from './support/eval-data';
import { startEvaluatorStack, type EvaluatorStack } from './support/start-evaluator';

const DIM = 4;
const { COMPARISON_GREATER_OR_EQUAL: GE } = evaluator.Comparison;

describe('EvaluateGate without a run: evaluates candidate and baseline, latency budget with evidence', function () {
  this.timeout(120_000);
  let s: EvaluatorStack;
  let candidateRunId = '';

  type GateOver = Omit<Partial<evaluator.Gate>, 'thresholds'> & { thresholds?: Partial<evaluator.MetricThreshold>[] };
  const gate = (over: GateOver): evaluator.Gate =>
    evaluator.Gate.fromPartial({
      thresholds: [{ metric: 'accuracy', comparison: GE, value: 0, relativeToBaseline: true }],
      dataset: { name: 'animals-data' },
      baselineAlias: 'production',
      promoteAlias: 'production',
      ...over,
      ...(over.thresholds ? { thresholds: over.thresholds.map((t) => evaluator.MetricThreshold.fromPartial(t)) } : {}),
    });
  const create = (g: evaluator.Gate) => unary(s.client.createGate.bind(s.client), { gate: g });
  const decide = (gateName: string, version: number, over: Partial<evaluator.EvaluateGateRequest> = {}) =>
    unary(s.client.evaluateGate.bind(s.client), evaluator.EvaluateGateRequest.fromPartial({ gateName, model: { name: 'animals', selector: { $case: 'version', value: version } }, ...over }));
  const aliasOf = async (alias: string) => (await unary(s.stack.registry.resolveModel.bind(s.stack.registry), { name: 'animals', selector: { $case: 'alias', value: alias } })).version;

  before(async () => {
    s = await startEvaluatorStack();
    await publishFeatureRecords(s.ingestion, 'animals-data', featureRecords(90, DIM));
    const tags = { class_names: JSON.stringify(CLASS_NAMES) };
    const same = buildMlp({ inputSize: DIM, hiddenSizes: [], outputSize: 3, softmax: true, seed: 7 });
    await uploadModel(s.stack.registry, 'animals', same, { tags, alias: 'production' });
    // Version 2: the same weights, so its accuracy equals the baseline's exactly.
    await uploadModel(s.stack.registry, 'animals', same, { tags });
    // A model taking 3 features: records of 4 do not fit its signature.
    await uploadModel(s.stack.registry, 'narrow', buildMlp({ inputSize: 3, hiddenSizes: [], outputSize: 3, softmax: true }), { tags });
  });
  after(async () => {
    await s?.close();
  });

  it('with no run id, evaluates the candidate and the baseline alias version on the gate data, decides and promotes', async () => {
    await create(gate({ name: 'auto' }));
    const d = await decide('auto', 2, { promote: true });
    assert.equal(d.passed, true, d.reasons.join('; '));
    assert.equal(d.baselineVersion, 1);
    assert.ok(d.evaluationRunId && d.baselineRunId && d.evaluationRunId !== d.baselineRunId);
    const cand = await unary(s.client.getEvaluation.bind(s.client), { runId: d.evaluationRunId, omitPredictions: true });
    const base = await unary(s.client.getEvaluation.bind(s.client), { runId: d.baselineRunId, omitPredictions: true });
    assert.equal(cand.model?.selector?.value, 2);
    assert.equal(base.model?.selector?.value, 1);
    assert.equal(cand.dataset?.snapshot, base.dataset?.snapshot, 'both on one snapshot');
    assert.equal(cand.recordsEvaluated, 30);
    const r = d.results[0]!;
    assert.equal(r.actual, cand.metrics['accuracy']);
    assert.equal(r.baseline, base.metrics['accuracy']);
    assert.equal(r.compared, 0);
    assert.equal(d.promoted, true);
    assert.equal(await aliasOf('production'), 2);
    candidateRunId = d.evaluationRunId;
  });

  it('a latency budget is checked by a stored benchmark: within it passes, over it fails with the measured p95', async () => {
    await create(gate({ name: 'roomy', thresholds: [{ metric: 'accuracy', comparison: GE, value: 0 }], baselineAlias: '', promoteAlias: '', maxLatencyP95Ms: 600_000 }));
    const ok = await decide('roomy', 2, { evaluationRunId: candidateRunId });
    assert.equal(ok.passed, true, ok.reasons.join('; '));
    assert.ok(ok.latencyP95Ms !== undefined && ok.latencyP95Ms > 0);
    assert.equal(ok.latencyBatchSize, 1);
    assert.ok(ok.benchmarkRunId);

    // No real request answers within a nanosecond: this budget can only fail.
    await create(gate({ name: 'tight', thresholds: [{ metric: 'accuracy', comparison: GE, value: 0 }], baselineAlias: '', promoteAlias: 'production', maxLatencyP95Ms: 1e-6, latencyBatchSize: 4 }));
    const over = await decide('tight', 2, { evaluationRunId: candidateRunId, promote: true });
    assert.equal(over.passed, false);
    assert.equal(over.promoted, false);
    assert.equal(over.latencyBatchSize, 4);
    assert.equal(over.reasons.length, 1);
    assert.match(over.reasons[0]!, new RegExp(`^latency p95 [0-9.]+ ms > budget 0\\.000001 ms at batch size 4 \\(benchmark run ${over.benchmarkRunId}\\)$`));
    assert.deepEqual(over.results.map((x) => x.passed), [true], 'the metric thresholds themselves passed');
    const stored = await s.evaluator.deps.benchmarks.get(over.benchmarkRunId);
    assert.equal(stored.length, 1);
    assert.equal(stored[0]!.batchSize, 4);
    assert.ok(Math.abs(stored[0]!.latency!.p95Us / 1000 - over.latencyP95Ms!) < 1e-9);

    // The budget is kept across an update and removed with a negative value.
    const updated = await unary(s.client.updateGate.bind(s.client), evaluator.UpdateGateRequest.fromPartial({ name: 'tight', maxLatencyP95Ms: -1 }));
    assert.equal(updated.maxLatencyP95Ms, undefined);
  });

  it('refuses naming the field: unknown split, a signature mismatch, a metric the model cannot produce, a bad budget, no data', async () => {
    const refused = (p: Promise<unknown>, kind: string, field: string) =>
      assert.rejects(p, (e: unknown) => e instanceof L1g1Error && e.kind === kind && e.field === field && !/\/tmp|127\.0\.0\.1/.test(e.message));
    await create(gate({ name: 'bad-split', split: 'nope', baselineAlias: '', promoteAlias: '', thresholds: [{ metric: 'accuracy', comparison: GE, value: 0 }] }));
    await refused(decide('bad-split', 2), 'INVALID_ARGUMENT', 'split');
    await create(gate({ name: 'narrow-gate', baselineAlias: '', promoteAlias: '', thresholds: [{ metric: 'accuracy', comparison: GE, value: 0 }] }));
    await refused(
      unary(s.client.evaluateGate.bind(s.client), evaluator.EvaluateGateRequest.fromPartial({ gateName: 'narrow-gate', model: { name: 'narrow', selector: { $case: 'version', value: 1 } } })),
      'FAILED_PRECONDITION',
      'model',
    );
    await create(gate({ name: 'ppl', baselineAlias: '', promoteAlias: '', thresholds: [{ metric: 'perplexity', comparison: evaluator.Comparison.COMPARISON_LESS_OR_EQUAL, value: 50 }] }));
    await refused(decide('ppl', 2, { evaluationRunId: candidateRunId }), 'INVALID_ARGUMENT', 'metric');
    // Without a run, refused before anything is evaluated.
    const runs = async () => (await unary(s.client.listEvaluations.bind(s.client), { page: { pageSize: 1000, pageToken: '' }, model: undefined, dataset: undefined, state: 0 })).runs.length;
    const queuedBefore = await runs();
    await refused(decide('ppl', 2), 'INVALID_ARGUMENT', 'metric');
    assert.equal(await runs(), queuedBefore, 'no run queued for an impossible gate');
    await refused(create(gate({ name: 'neg', maxLatencyP95Ms: 0 })), 'INVALID_ARGUMENT', 'gate.max_latency_p95_ms');
    await refused(create(gate({ name: 'huge-batch', maxLatencyP95Ms: 10, latencyBatchSize: 100_000 })), 'INVALID_ARGUMENT', 'gate.latency_batch_size');
    await create(gate({ name: 'no-data', dataset: undefined, baselineAlias: '', promoteAlias: '', thresholds: [{ metric: 'accuracy', comparison: GE, value: 0 }] }));
    await refused(decide('no-data', 2), 'FAILED_PRECONDITION', 'evaluation_run_id');
  });
});
