/**
 * Two evaluator services on one PostgreSQL database (scaled mode, each with
 * its own data directory), with the real registry, inference and ingestion:
 * a gate created on A is read, listed, updated, decided and deleted on B; a
 * decision's latency benchmark measured on B is stored where A reads it;
 * concurrent updates on A and B both land; concurrent EvaluateGate calls on
 * A and B are both recorded, each passing one moves the alias once, and the
 * moves are ordered (each decision names the version it replaced); an
 * update racing a decision leaves the decision on one whole gate and the
 * gate as updated.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluator } from '@l1g1/contracts';
import { createGrpcClient, createSilentLogger, issueApiKey, L1g1Error, openKeyStore, unary } from '@l1g1/kit';
import { buildDemoClassifier } from '@l1g1/onnx';
import { usePostgres } from '../../../test/support/postgres';
import { uploadModel } from '../../../test/support/stack';
import { loadEvaluatorConfig, startEvaluator, type RunningEvaluator } from '../src/index';
import { startEvaluatorStack, TEST_INTERNAL_SECRET, type EvaluatorClient, type EvaluatorStack } from './support/start-evaluator';

const { COMPARISON_GREATER_OR_EQUAL: GE } = evaluator.Comparison;

describe('evaluator: two replicas on one PostgreSQL database share gates, decisions and benchmarks', function () {
  this.timeout(120_000);
  const pg = usePostgres();
  let s: EvaluatorStack;
  let b: RunningEvaluator | undefined;
  let bDir: string;
  let onA: EvaluatorClient;
  let onB: EvaluatorClient;

  const gate = (name: string, over: Partial<evaluator.Gate> = {}): evaluator.Gate =>
    evaluator.Gate.fromPartial({
      name,
      thresholds: [{ metric: 'macro_f1', comparison: GE, value: 0.9 }],
      dataset: { name: 'mails' },
      baselineAlias: 'production',
      promoteAlias: name,
      ...over,
    });
  const candidate = (version: number) => ({ name: 'mailclf', selector: { $case: 'version' as const, value: version } });
  const decide = (client: EvaluatorClient, gateName: string, version: number, promote: boolean) =>
    unary(client.evaluateGate.bind(client), { gateName, model: candidate(version), evaluationRunId: `run-v${version}`, promote });
  const decisionsOf = async (client: EvaluatorClient, gateName: string) =>
    (await unary(client.listGateDecisions.bind(client), { gateName, model: undefined, page: undefined })).decisions;

  before(async () => {
    s = await startEvaluatorStack({ env: { L1G1_DATABASE_URL: pg.url } });
    bDir = mkdtempSync(join(tmpdir(), 'l1g1-evaluator-b-'));
    // In scaled mode the evaluators verify keys in PostgreSQL: the caller's key is issued there.
    const keys = await openKeyStore({ databaseUrl: pg.url, keyDbPath: join(bDir, 'keys.db') });
    const key = (await issueApiKey(keys, { name: 'release-bot', scopes: ['admin'] })).plaintext;
    await keys.close();
    // B: its own data directory, so nothing but the database is shared with A.
    b = await startEvaluator(
      loadEvaluatorConfig({
        L1G1_DATA_DIR: bDir,
        L1G1_EVALUATOR_ADDR: '127.0.0.1:0',
        L1G1_INTERNAL_SECRET: TEST_INTERNAL_SECRET,
        L1G1_INGESTION_ADDR: s.ingestion.service.address,
        L1G1_REGISTRY_ADDR: s.stack.registryAddr,
        L1G1_INFERENCE_ADDR: s.stack.inferenceAddr,
        L1G1_DATABASE_URL: pg.url,
      }),
      { logger: createSilentLogger() },
    );
    onA = createGrpcClient(evaluator.EvaluatorServiceClient, s.evaluator.address, { identity: { apiKey: key } });
    onB = createGrpcClient(evaluator.EvaluatorServiceClient, b.address, { identity: { apiKey: key } });
    const bytes = buildDemoClassifier();
    await uploadModel(s.stack.registry, 'mailclf', bytes, { alias: 'production' });
    await uploadModel(s.stack.registry, 'mailclf', bytes);
    await uploadModel(s.stack.registry, 'mailclf', bytes);
    // Finished runs written through A's run store (PostgreSQL): B reads them from the same tables.
    const runs = s.evaluator.deps.evaluations;
    for (const [version, macroF1] of [[1, 0.89], [2, 0.92], [3, 0.95]] as const) {
      await runs.insert({
        runId: `run-v${version}`, modelName: 'mailclf', modelVersion: version, precision: 'fp32', dataset: 'mails', snapshot: 1, split: 'test', state: 'queued',
        createdAtMs: Date.now(), finishedAtMs: undefined, traceId: '', recordsEvaluated: 0, recordsSkipped: 0, metrics: {}, classification: null, token: null, predictions: null,
      });
      await runs.finish(`run-v${version}`, { state: 'succeeded', finishedAtMs: Date.now(), recordsEvaluated: 100, recordsSkipped: 0, metrics: { macro_f1: macroF1 }, classification: null, token: null, predictions: null });
    }
  });
  after(async () => {
    onA?.close();
    onB?.close();
    await b?.close();
    await s?.close();
    if (bDir) rmSync(bDir, { recursive: true, force: true });
  });

  it('a gate created on A is read, listed, updated, decided and deleted on B; B’s decision and its benchmark are read on A', async () => {
    // A generous latency budget: the decision runs (and stores) a short benchmark on B.
    await unary(onA.createGate.bind(onA), { gate: gate('shared-gate', { maxLatencyP95Ms: 600_000 }) });
    assert.equal((await unary(onB.getGate.bind(onB), { name: 'shared-gate' })).promoteAlias, 'shared-gate');
    assert.ok((await unary(onB.listGates.bind(onB), { page: undefined })).gates.some((g) => g.name === 'shared-gate'));
    await assert.rejects(unary(onB.createGate.bind(onB), { gate: gate('shared-gate') }), (e: unknown) => e instanceof L1g1Error && e.kind === 'ALREADY_EXISTS');
    await unary(onB.updateGate.bind(onB), evaluator.UpdateGateRequest.fromPartial({ name: 'shared-gate', description: 'set on B' }));
    assert.equal((await unary(onA.getGate.bind(onA), { name: 'shared-gate' })).description, 'set on B');

    const d = await decide(onB, 'shared-gate', 2, false);
    assert.equal(d.passed, true, d.reasons.join('; '));
    assert.deepEqual((await decisionsOf(onA, 'shared-gate')).map((x) => x.decisionId), [d.decisionId]);
    assert.notEqual(d.benchmarkRunId, '');
    const measured = await s.evaluator.deps.benchmarks.get(d.benchmarkRunId);
    assert.deepEqual(measured.map((r) => [r.runId, r.batchSize]), [[d.benchmarkRunId, 1]], 'the benchmark B measured is stored where A reads it');

    await unary(onB.deleteGate.bind(onB), { name: 'shared-gate' });
    await assert.rejects(unary(onA.getGate.bind(onA), { name: 'shared-gate' }), (e: unknown) => e instanceof L1g1Error && e.kind === 'NOT_FOUND');
    assert.equal((await decisionsOf(onA, 'shared-gate')).length, 1, 'the decision outlives its gate');
  });

  it('concurrent updates on A and B all land (no update overwrites another)', async () => {
    await unary(onA.createGate.bind(onA), { gate: gate('tagged-gate') });
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => {
        const client = i % 2 ? onA : onB;
        return unary(client.updateGate.bind(client), evaluator.UpdateGateRequest.fromPartial({ name: 'tagged-gate', tags: { [`t${i}`]: String(i) } }));
      }),
    );
    const tags = (await unary(onB.getGate.bind(onB), { name: 'tagged-gate' })).tags;
    assert.deepEqual(Object.keys(tags).sort(), ['t0', 't1', 't2', 't3', 't4', 't5', 't6', 't7']);
  });

  it('concurrent EvaluateGate on A and B: both decisions recorded, the alias moved once per passing decision, in decision order', async () => {
    await unary(onA.createGate.bind(onA), { gate: gate('race-gate') });
    const [dA, dB] = await Promise.all([decide(onA, 'race-gate', 2, true), decide(onB, 'race-gate', 3, true)]);
    assert.deepEqual([dA.passed, dA.promoted, dB.passed, dB.promoted], [true, true, true, true]);
    const listed = await decisionsOf(onB, 'race-gate');
    assert.deepEqual(listed.map((x) => x.decisionId).sort(), [dA.decisionId, dB.decisionId].sort());
    assert.deepEqual(await decisionsOf(onA, 'race-gate'), listed);

    const events = (await unary(s.stack.registry.listAliasEvents.bind(s.stack.registry), { modelName: 'mailclf', page: undefined })).events.filter((e) => e.alias === 'race-gate');
    assert.deepEqual(events.map((e) => e.toVersion).sort(), [2, 3], 'one alias move per passing decision');
    assert.ok(events.every((e) => e.actor === 'release-bot'));
    // Ordered by the alias's promotion lock: the newer decision replaced the older one's version, and is the one served.
    const [newer, older] = listed.map((x) => ({ version: x.model?.selector?.$case === 'version' ? x.model.selector.value : 0, previous: x.previousAliasVersion }));
    assert.equal(older?.previous, 0, 'the first promotion found no alias');
    assert.equal(newer?.previous, older?.version, 'the second promotion names the version the first set');
    const final = (await unary(s.stack.registry.resolveModel.bind(s.stack.registry), { name: 'mailclf', selector: { $case: 'alias', value: 'race-gate' } })).version;
    assert.equal(final, newer?.version, 'the newest decision names the version served');
  });

  it('an update racing a decision: the decision applies one whole gate and says which; the gate keeps the update', async () => {
    await unary(onA.createGate.bind(onA), { gate: gate('moving-gate') });
    const stricter = [{ metric: 'macro_f1', comparison: GE, value: 0.99, relativeToBaseline: false }];
    const [, d] = await Promise.all([
      unary(onB.updateGate.bind(onB), evaluator.UpdateGateRequest.fromPartial({ name: 'moving-gate', thresholds: stricter })),
      decide(onA, 'moving-gate', 2, false),
    ]);
    // Either the gate before the update (0.9: v2's 0.92 passes) or after it (0.99: fails), never a mix.
    const applied = d.results.map((r) => r.threshold?.value);
    assert.ok(applied.length === 1 && (applied[0] === 0.9 || applied[0] === 0.99), `applied ${applied.join(',')}`);
    assert.equal(d.passed, applied[0] === 0.9);
    assert.deepEqual((await unary(onA.getGate.bind(onA), { name: 'moving-gate' })).thresholds.map((t) => t.value), [0.99], 'the update is kept');
    const next = await decide(onB, 'moving-gate', 2, false);
    assert.equal(next.passed, false, 'the next decision applies the updated gate');
    assert.deepEqual(next.results.map((r) => r.threshold?.value), [0.99]);
  });
});
