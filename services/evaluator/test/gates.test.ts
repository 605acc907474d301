/**
 * Promotion gates through the real evaluator, registry and inference: CRUD,
 * EvaluateGate deciding on stored evaluation runs (pass moves the alias
 * through the registry with the caller as the audit actor; fail refuses with
 * the evidence and moves nothing), decisions listed, bad gates refused
 * naming the field.
 *
 * The runs are written into the evaluator's own run store (real SQLite) as a
 * finished Evaluate would write them, so the gate's figures are known exactly.
 */
import { strict as assert } from 'node:assert';
import { common, evaluator } from '@l1g1/contracts';
import { createGrpcClient, L1g1Error, unary } from '@l1g1/kit';
import { buildDemoClassifier } from '@l1g1/onnx';
import { uploadModel } from '../../../test/support/stack';
import type { EvaluationRow } from '../src/domain/evaluations/evaluation-store';
import { startEvaluatorStack, type EvaluatorClient, type EvaluatorStack } from './support/start-evaluator';

const { COMPARISON_GREATER_OR_EQUAL: GE } = evaluator.Comparison;

describe('evaluator gates: CRUD, EvaluateGate with evidence, alias moves with the audit actor', function () {
  this.timeout(60_000);
  let s: EvaluatorStack;
  let releaser: EvaluatorClient;

  async function storeRun(runId: string, version: number, metrics: Record<string, number>, over: Partial<EvaluationRow> = {}): Promise<void> {
    const store = s.evaluator.deps.evaluations;
    await store.insert({
      runId, modelName: 'mailclf', modelVersion: version, precision: 'fp32', dataset: 'mails', snapshot: 1, split: 'test', state: 'queued',
      createdAtMs: Date.now(), finishedAtMs: undefined, traceId: '', recordsEvaluated: 0, recordsSkipped: 0, metrics: {}, classification: null, token: null, predictions: null,
      ...over,
    });
    await store.finish(runId, { state: over.state ?? 'succeeded', finishedAtMs: Date.now(), recordsEvaluated: 100, recordsSkipped: 0, metrics, classification: null, token: null, predictions: null });
  }

  const gate = (over: Partial<evaluator.Gate> = {}): evaluator.Gate =>
    evaluator.Gate.fromPartial({
      name: 'prod-gate',
      description: 'beat production by a point, macro-F1 at least 0.9',
      thresholds: [
        { metric: 'macro_f1', comparison: GE, value: 0.9 },
        { metric: 'accuracy', comparison: GE, value: 0.01, relativeToBaseline: true },
      ],
      dataset: { name: 'mails' },
      baselineAlias: 'production',
      promoteAlias: 'production',
      ...over,
    });

  const aliasOf = async (alias: string) => (await unary(s.stack.registry.resolveModel.bind(s.stack.registry), { name: 'mailclf', selector: { $case: 'alias', value: alias } })).version;

  before(async () => {
    s = await startEvaluatorStack();
    const bytes = buildDemoClassifier();
    await uploadModel(s.stack.registry, 'mailclf', bytes, { alias: 'production' });
    await uploadModel(s.stack.registry, 'mailclf', bytes);
    await uploadModel(s.stack.registry, 'mailclf', bytes);
    await storeRun('run-v1', 1, { accuracy: 0.9, macro_f1: 0.89 });
    await storeRun('run-v2', 2, { accuracy: 0.93, macro_f1: 0.92 });
    await storeRun('run-v3', 3, { accuracy: 0.935, macro_f1: 0.93 });
    const key = await s.stack.createKey({ name: 'release-bot', scopes: ['write'] });
    releaser = createGrpcClient(evaluator.EvaluatorServiceClient, s.evaluator.address, { identity: { apiKey: key } });
    await unary(s.client.createGate.bind(s.client), { gate: gate() });
  });
  after(async () => {
    releaser?.close();
    await s?.close();
  });

  it('a candidate that clears the margin passes; with promote the alias moves, the registry audit names the caller', async () => {
    const d = await unary(releaser.evaluateGate.bind(releaser), { gateName: 'prod-gate', model: { name: 'mailclf', selector: { $case: 'version', value: 2 } }, evaluationRunId: 'run-v2', promote: true });
    assert.equal(d.passed, true, d.reasons.join('; '));
    assert.deepEqual(d.reasons, []);
    assert.equal(d.baselineVersion, 1);
    assert.equal(d.baselineRunId, 'run-v1');
    assert.equal(d.promoted, true);
    assert.equal(d.promotedAlias, 'production');
    assert.equal(d.previousAliasVersion, 1);
    assert.equal(d.decidedBy, 'release-bot');
    const rel = d.results[1]!;
    assert.equal(rel.baseline, 0.9);
    assert.ok(Math.abs(rel.compared - 0.03) < 1e-12);
    assert.equal(await aliasOf('production'), 2);
    const events = await unary(s.stack.registry.listAliasEvents.bind(s.stack.registry), { modelName: 'mailclf', page: undefined });
    const moved = events.events.find((e) => e.alias === 'production' && e.toVersion === 2)!;
    assert.equal(moved.fromVersion, 1);
    assert.equal(moved.actor, 'release-bot');
  });

  it('a candidate short of the margin is refused with the evidence; the alias stays and the decision is stored', async () => {
    // Baseline is now version 2 (accuracy 0.93): 0.935 - 0.93 = +0.005 < the 0.01 margin.
    const d = await unary(releaser.evaluateGate.bind(releaser), { gateName: 'prod-gate', model: { name: 'mailclf', selector: { $case: 'version', value: 3 } }, evaluationRunId: 'run-v3', promote: true });
    assert.equal(d.passed, false);
    assert.equal(d.promoted, false);
    assert.equal(d.baselineVersion, 2);
    assert.equal(d.reasons.length, 1);
    assert.match(d.reasons[0]!, /^accuracy 0\.9350 - baseline 0\.9300 = \+0\.0050 < 0\.0100$/);
    assert.deepEqual(d.results.map((r) => r.passed), [true, false]);
    assert.equal(await aliasOf('production'), 2);
    const listed = await unary(s.client.listGateDecisions.bind(s.client), { gateName: 'prod-gate', model: undefined, page: undefined });
    assert.deepEqual(listed.decisions.map((x) => [x.model?.selector?.value, x.passed, x.promoted]), [[3, false, false], [2, true, true]]);
    assert.equal(listed.decisions[0]!.reasons[0], d.reasons[0]);
  });

  it('a gate on a metric the model cannot produce: INVALID_ARGUMENT naming metric', async () => {
    await unary(s.client.createGate.bind(s.client), { gate: gate({ name: 'ppl-gate', thresholds: [{ metric: 'perplexity', comparison: evaluator.Comparison.COMPARISON_LESS_OR_EQUAL, value: 50, relativeToBaseline: false }] }) });
    await assert.rejects(
      unary(s.client.evaluateGate.bind(s.client), { gateName: 'ppl-gate', model: { name: 'mailclf', selector: { $case: 'version', value: 2 } }, evaluationRunId: 'run-v2', promote: false }),
      (e: unknown) => e instanceof L1g1Error && e.kind === 'INVALID_ARGUMENT' && e.field === 'metric' && /no metric "perplexity"/.test(e.message),
    );
  });

  it('refuses a run of another version, an unfinished run, and a run on other data, naming evaluation_run_id', async () => {
    await storeRun('run-failed', 3, {}, { state: 'failed' });
    await storeRun('run-other-data', 3, { accuracy: 1, macro_f1: 1 }, { dataset: 'other' });
    const ask = (runId: string) => unary(s.client.evaluateGate.bind(s.client), { gateName: 'prod-gate', model: { name: 'mailclf', selector: { $case: 'version', value: 3 } }, evaluationRunId: runId, promote: true });
    await assert.rejects(ask('run-v2'), (e: unknown) => e instanceof L1g1Error && e.kind === 'INVALID_ARGUMENT' && e.field === 'evaluation_run_id');
    await assert.rejects(ask('run-failed'), (e: unknown) => e instanceof L1g1Error && e.kind === 'FAILED_PRECONDITION' && e.field === 'evaluation_run_id');
    await assert.rejects(ask('run-other-data'), (e: unknown) => e instanceof L1g1Error && e.kind === 'INVALID_ARGUMENT' && /not the gate's data/.test(e.message));
    await assert.rejects(ask('nope'), (e: unknown) => e instanceof L1g1Error && e.kind === 'NOT_FOUND');
    assert.equal(await aliasOf('production'), 2);
  });

  it('a baseline alias whose version has no run on the gate data fails the relative check, saying to evaluate it first', async () => {
    const v4 = await uploadModel(s.stack.registry, 'mailclf', buildDemoClassifier(), { alias: 'legacy' });
    await unary(s.client.createGate.bind(s.client), { gate: gate({ name: 'legacy-gate', baselineAlias: 'legacy', promoteAlias: 'legacy' }) });
    const d = await unary(s.client.evaluateGate.bind(s.client), { gateName: 'legacy-gate', model: { name: 'mailclf', selector: { $case: 'version', value: 2 } }, evaluationRunId: 'run-v2', promote: true });
    assert.equal(d.passed, false);
    assert.equal(d.baselineVersion, v4.version);
    assert.deepEqual(d.reasons, [`no finished fp32 evaluation of the baseline (legacy = version ${v4.version}) on mails#1 split "test"; evaluate it first`]);
    assert.deepEqual(d.results.map((r) => r.passed), [true, false]);
    assert.equal(d.promoted, false);
    assert.equal(await aliasOf('legacy'), v4.version);
    await unary(s.client.deleteGate.bind(s.client), { name: 'legacy-gate' });
  });

  it('CRUD: stored, listed, updated (thresholds replaced, tags merged), deleted; duplicates and bad gates refused naming the field', async () => {
    await assert.rejects(unary(s.client.createGate.bind(s.client), { gate: gate() }), (e: unknown) => e instanceof L1g1Error && e.kind === 'ALREADY_EXISTS');
    const bad = async (g: evaluator.Gate, field: string) =>
      assert.rejects(unary(s.client.createGate.bind(s.client), { gate: g }), (e: unknown) => e instanceof L1g1Error && e.kind === 'INVALID_ARGUMENT' && e.field === field);
    await bad(gate({ name: 'Bad Name' }), 'gate.name');
    await bad(gate({ name: 'g2', thresholds: [] }), 'gate.thresholds');
    await bad(gate({ name: 'g2', thresholds: [{ metric: '', comparison: GE, value: 1, relativeToBaseline: false }] }), 'gate.thresholds[0].metric');
    await bad(gate({ name: 'g2', thresholds: [{ metric: 'accuracy', comparison: 0, value: 1, relativeToBaseline: false }] }), 'gate.thresholds[0].comparison');
    await bad(gate({ name: 'g2', baselineAlias: '' }), 'gate.baseline_alias');
    await bad(gate({ name: 'g2', maxVariantDrop: 2 }), 'gate.max_variant_drop');

    await unary(s.client.createGate.bind(s.client), { gate: gate({ name: 'tmp-gate', tags: { team: 'mail' } }) });
    const got = await unary(s.client.getGate.bind(s.client), { name: 'tmp-gate' });
    assert.equal(got.split, 'test');
    assert.equal(got.labelField, 'label');
    assert.ok(got.createdAt);
    const updated = await unary(s.client.updateGate.bind(s.client), evaluator.UpdateGateRequest.fromPartial({
      name: 'tmp-gate',
      thresholds: [{ metric: 'accuracy', comparison: GE, value: 0.95 }],
      tags: { team: '', owner: 'ops' },
      description: 'stricter',
    }));
    assert.deepEqual(updated.thresholds.map((t) => [t.metric, t.value]), [['accuracy', 0.95]]);
    assert.deepEqual(updated.tags, { owner: 'ops' });
    assert.equal(updated.description, 'stricter');
    const page1 = await unary(s.client.listGates.bind(s.client), { page: { pageSize: 2, pageToken: '' } });
    assert.deepEqual(page1.gates.map((g) => g.name), ['ppl-gate', 'prod-gate']);
    const page2 = await unary(s.client.listGates.bind(s.client), { page: { pageSize: 2, pageToken: page1.page!.nextPageToken } });
    assert.deepEqual(page2.gates.map((g) => g.name), ['tmp-gate']);
    await unary(s.client.deleteGate.bind(s.client), { name: 'tmp-gate' });
    await assert.rejects(unary(s.client.getGate.bind(s.client), { name: 'tmp-gate' }), (e: unknown) => e instanceof L1g1Error && e.kind === 'NOT_FOUND');
  });

  it('with max_variant_drop, an fp16 variant never checked against fp32 fails the gate', async () => {
    await uploadModel(s.stack.registry, 'mailclf', buildDemoClassifier(), { version: 3, precision: common.Precision.PRECISION_FP16 });
    await unary(s.client.createGate.bind(s.client), { gate: gate({ name: 'variant-gate', thresholds: [{ metric: 'macro_f1', comparison: GE, value: 0.9, relativeToBaseline: false }], maxVariantDrop: 0.005 }) });
    const d = await unary(s.client.evaluateGate.bind(s.client), { gateName: 'variant-gate', model: { name: 'mailclf', selector: { $case: 'version', value: 3 } }, evaluationRunId: 'run-v3', promote: true });
    assert.equal(d.passed, false);
    assert.deepEqual(d.reasons, ['fp16 variant not checked against fp32 (run CompareVariants)']);
    assert.equal(await aliasOf('production'), 2);
  });
});
