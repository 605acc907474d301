/**
 * Evaluate a token tagger (task token classification): a real BiGRU tagger
 * trained for a few steps by the trainer's own library on generated entity
 * sentences, exported to ONNX and registered with the trainer's tags
 * (`preprocess` token_ids_v1, IOB2 `class_names`); the evaluator turns each
 * record into token ids with @l1g1/features, predicts through the inference
 * service and scores entities under the CoNLL rules. The test runs the same
 * ONNX bytes locally and computes the entity scores with its own chunker, so
 * a drift in ids, padding, argmax or scoring fails it. Bad requests are
 * refused before a job exists; the REST route and the CLI take the task.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { common, evaluator, registry } from '@l1g1/contracts';
import { iob2Tags, entitySpans, textTokenIds, parseTokenIdsTag, type EntitySpan } from '@l1g1/features';
import { unary } from '@l1g1/kit';
import { exportOnnx } from '../../trainer/src/export';
import { createModel, type BuiltModel, type TextExample } from '../../trainer/src/models';
import { runOnnx } from '../../trainer/test/export-helpers';
import { entitySentences } from '../../trainer/test/support/entity-sentences';
import { trainTestTagger } from '../../trainer/test/support/test-tagger';
import type { StoredRecord } from '../../ingestion/src/domain/snapshot/stored-record';
import { publishTestSnapshot } from '../../ingestion/test/support/publish-test-snapshot';
import { runCli } from '../../../packages/cli/src/run-cli';
import { bearer, http, uploadModel } from '../../../test/support/stack';
import { refusal, waitForRun } from './support/evaluation-runs';
import { startEvaluatorStack, type EvaluatorStack } from './support/start-evaluator';
import { outputSink as sink } from '../../../test/support/output-sink';


function stored(records: { id: string; text: string; metadata: Record<string, string> }[]): StoredRecord[] {
  return records.map((r) => ({
    id: createHash('sha256').update(r.id).digest('hex'),
    modality: 'text' as const,
    contentType: 'text/plain',
    data: Buffer.from(r.text),
    metadata: r.metadata,
  }));
}

/**
 * The test's own CoNLL chunker (conlleval's start/end rules), written apart
 * from the evaluator's: `[type, first token, last token]` per entity.
 */
function chunks(tags: readonly string[]): string[] {
  const out: string[] = [];
  let open: { type: string; start: number } | undefined;
  const close = (end: number) => {
    if (open) out.push(`${open.type}|${open.start}|${end}`);
    open = undefined;
  };
  tags.forEach((tag, i) => {
    const prefix = tag.slice(0, 1);
    const type = tag.slice(2);
    const continues = prefix === 'I' && open !== undefined && open.type === type;
    if (!continues) close(i - 1);
    if (!continues && prefix !== 'O') open = { type, start: i };
  });
  close(tags.length - 1);
  return out;
}

describe('Evaluate a token tagger: entity-level F1 (CoNLL rules) through the inference service', function () {
  this.timeout(120_000);
  let s: EvaluatorStack;
  let onnx: Uint8Array;
  let tags: Record<string, string>;
  const test = entitySentences(40, 11, true).map((r, i) => ({ id: `ents-${i}`, text: r.data as string, metadata: { ...r.metadata, split: 'test' } }));

  before(async () => {
    s = await startEvaluatorStack();
    // A few steps of real training (shared helper): good enough to tag some entities right and some wrong.
    ({ onnx, tags } = await trainTestTagger());
    await uploadModel(s.stack.registry, 'tagger', onnx, { tags });
    await publishTestSnapshot(s.ingestion.deps, 'ents', stored(test));
  });
  after(async () => {
    await s?.close();
  });

  it('scores entities exactly as the ONNX model tags each real token, stores span predictions and records entity_f1 in the registry', async () => {
    // The task is inferred from the version's token_ids_v1 preprocess tag (the registry model has no task).
    const created = await unary(
      s.client.evaluate.bind(s.client),
      evaluator.EvaluateRequest.fromPartial({ model: { name: 'tagger', selector: { $case: 'version', value: 1 } }, dataset: { name: 'ents' }, batchSize: 7, storePredictions: true, recordInRegistry: true }),
    );
    const run = await waitForRun(s, created.runId);
    assert.equal(run.status?.state, common.JobState.JOB_STATE_SUCCEEDED, JSON.stringify(run.status?.error));
    assert.equal(run.classification, undefined);

    // The reference: the same bytes run here on one padded batch of all records, argmax per real token.
    const classNames = JSON.parse(tags['class_names'] as string) as string[];
    const recipe = parseTokenIdsTag(tags['preprocess'] as string);
    const docs = test.map((r) => {
      const { tokens, ids } = textTokenIds(r.text, recipe);
      const gold = iob2Tags(tokens, entitySpans({ data: r.text, metadata: r.metadata }, 'label', [...r.text].length));
      return { id: createHash('sha256').update(r.id).digest('hex'), tokens, ids, gold };
    });
    const width = Math.max(...docs.map((d) => d.ids.length));
    const out = await runOnnx(onnx, 'token_ids', { type: 'int64', data: docs.flatMap((d) => [...d.ids, ...new Array<number>(width - d.ids.length).fill(-1)]), dims: [docs.length, width] }, 'tag_probabilities');
    const k = classNames.length;
    const predicted = docs.map((d, r) =>
      d.ids.map((_, t) => {
        const row = Array.from(out.data.subarray((r * width + t) * k, (r * width + t + 1) * k));
        return classNames[row.indexOf(Math.max(...row))] as string;
      }),
    );
    let correct = 0;
    let goldCount = 0;
    let predictedCount = 0;
    docs.forEach((d, i) => {
      const g = new Set(chunks(d.gold));
      const p = chunks(predicted[i] as string[]);
      goldCount += g.size;
      predictedCount += p.length;
      correct += p.filter((c) => g.has(c)).length;
    });
    const precision = predictedCount === 0 ? 0 : correct / predictedCount;
    const recall = correct / goldCount;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    assert.ok(goldCount > 40 && predictedCount > 0, `gold ${goldCount}, predicted ${predictedCount}`);
    assert.ok(correct > 0 && correct < goldCount, `a partly trained tagger gets some entities right and some wrong (${correct} of ${goldCount})`);

    assert.equal(run.recordsEvaluated, test.length);
    assert.ok(Math.abs((run.token?.entityF1 ?? -1) - f1) < 1e-9, `entity F1 ${run.token?.entityF1} vs ${f1}`);
    assert.ok(Math.abs((run.token?.entityPrecision ?? -1) - precision) < 1e-9);
    assert.ok(Math.abs((run.token?.entityRecall ?? -1) - recall) < 1e-9);
    assert.equal(run.metrics['entity_f1'], run.token?.entityF1);
    assert.deepEqual(run.token?.perType.map((t) => t.label), ['LOC', 'ORG', 'PER']);
    assert.equal(run.token?.perType.reduce((a, t) => a + t.support, 0), goldCount);
    // Token accuracy over every token, O included.
    const tokens = docs.reduce((a, d) => a + d.ids.length, 0);
    const equal = docs.reduce((a, d, i) => a + d.gold.filter((g, t) => g === (predicted[i] as string[])[t]).length, 0);
    assert.ok(Math.abs((run.token?.tokenAccuracy ?? -1) - equal / tokens) < 1e-9);

    // Stored predictions: the entities as spans of the text (code points), as the label field writes them.
    const byId = new Map(run.predictions.map((p) => [p.recordId, p]));
    docs.forEach((d, i) => {
      const spans = (tagList: readonly string[]): EntitySpan[] =>
        chunks(tagList).map((c) => {
          const [type, a, b] = c.split('|') as [string, string, string];
          return { start: d.tokens[Number(a)]!.start, end: d.tokens[Number(b)]!.end, label: type };
        });
      const p = byId.get(d.id);
      assert.ok(p, d.id);
      assert.deepEqual(JSON.parse(p.predictedLabel), spans(predicted[i] as string[]));
      assert.deepEqual(JSON.parse(p.trueLabel), spans(d.gold));
      assert.ok(p.confidence > 1 / k && p.confidence <= 1);
    });

    const version = await unary(s.stack.registry.getVersion.bind(s.stack.registry), registry.GetVersionRequest.fromPartial({ modelName: 'tagger', version: 1 }));
    assert.ok(Math.abs((version.metrics['eval.test.fp32.entity_f1'] ?? -1) - f1) < 1e-9);
    assert.ok('eval.test.fp32.token_accuracy' in version.metrics);
  });

  it('REST POST /v1/evaluations with task "token_classification" and `l1g1 evaluate --task` print entity F1 per type', async () => {
    const res = await http(`${s.stack.gatewayUrl}/v1/evaluations`, {
      method: 'POST',
      headers: bearer(s.stack.adminKey),
      json: { model: 'tagger@1', dataset: 'ents', task: 'token_classification' },
    });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    const runId = res.body.run_id as string;
    const run = await waitForRun(s, runId);
    assert.equal(run.status?.state, common.JobState.JOB_STATE_SUCCEEDED, JSON.stringify(run.status?.error));
    const got = await http(`${s.stack.gatewayUrl}/v1/evaluations/${runId}`, { headers: bearer(s.stack.adminKey) });
    assert.equal(got.body.token.entity_f1, run.token?.entityF1);

    const out = sink();
    const code = await runCli(['evaluate', '--model', 'tagger@1', '--dataset', 'ents', '--task', 'token_classification'], {
      env: { L1G1_GATEWAY_URL: s.stack.gatewayUrl, L1G1_API_KEY: s.stack.adminKey },
      stdout: out.stream,
      stderr: sink().stream,
    });
    assert.equal(code, 0, out.text());
    assert.match(out.text(), new RegExp(`entity_f1\\s+${(run.token?.entityF1 ?? -1).toFixed(4)}`));
    assert.match(out.text(), /entity type\s+precision/);
    for (const type of ['LOC', 'ORG', 'PER']) assert.match(out.text(), new RegExp(`\\n\\s+${type}\\s+\\d\\.\\d{4}`));
  });

  it('a gate on entity_f1 evaluates the tagger (task from its tag) and promotes it when it clears the bar', async () => {
    const gate = evaluator.Gate.fromPartial({
      name: 'tagger-gate',
      dataset: { name: 'ents' },
      thresholds: [evaluator.MetricThreshold.fromPartial({ metric: 'entity_f1', comparison: evaluator.Comparison.COMPARISON_GREATER_OR_EQUAL, value: 0 })],
      promoteAlias: 'production',
    });
    await unary(s.client.createGate.bind(s.client), { gate });
    const d = await unary(
      s.client.evaluateGate.bind(s.client),
      evaluator.EvaluateGateRequest.fromPartial({ gateName: 'tagger-gate', model: { name: 'tagger', selector: { $case: 'version', value: 1 } }, promote: true }),
    );
    assert.equal(d.passed, true, d.reasons.join('; '));
    const run = await unary(s.client.getEvaluation.bind(s.client), { runId: d.evaluationRunId, omitPredictions: true });
    assert.equal(d.results[0]?.actual, run.token?.entityF1);
    assert.equal(d.promoted, true);
    const resolved = await unary(s.stack.registry.resolveModel.bind(s.stack.registry), { name: 'tagger', selector: { $case: 'alias', value: 'production' } });
    assert.equal(resolved.version, 1);
  });

  describe('bad requests (refused before a job exists) and bad data (fails the run)', () => {
    const request = (over: Partial<evaluator.EvaluateRequest>) =>
      evaluator.EvaluateRequest.fromPartial({
        model: { name: 'tagger', selector: { $case: 'version', value: 1 } },
        dataset: { name: 'ents' },
        task: evaluator.EvalTask.EVAL_TASK_TOKEN_CLASSIFICATION,
        ...over,
      });

    it('malformed spans: INVALID_ARGUMENT naming label_field and the record', async () => {
      const bad = [
        { id: 'overlap', text: 'Anna Lee lives in Oslo', metadata: { label: '[{"start":0,"end":8,"label":"PER"},{"start":5,"end":10,"label":"PER"}]', split: 'test' } },
      ];
      await publishTestSnapshot(s.ingestion.deps, 'bad-spans', stored(bad));
      const err = await refusal(unary(s.client.evaluate.bind(s.client), request({ dataset: { name: 'bad-spans', snapshot: 0 } })));
      assert.equal(err.kind, 'INVALID_ARGUMENT');
      assert.equal(err.field, 'label_field');
      assert.match(err.message, new RegExp(createHash('sha256').update('overlap').digest('hex')));
      assert.match(err.message, /overlap/);
      for (const label of ['not json', '{"start":0}', '[{"start":0,"end":99,"label":"PER"}]']) {
        await publishTestSnapshot(s.ingestion.deps, 'bad-spans', stored([{ id: 'b', text: 'Anna', metadata: { label, split: 'test' } }]));
        const e = await refusal(unary(s.client.evaluate.bind(s.client), request({ dataset: { name: 'bad-spans', snapshot: 0 } })));
        assert.equal(e.field, 'label_field', label);
      }
    });

    it('malformed spans on a later record fail the run with INVALID_ARGUMENT naming label_field and the record (nothing stored as a result)', async () => {
      // The plan reads the first record only; the job reads them all. Snapshots stream in id order: the bad record's id sorts after the good one's.
      const hash = (id: string) => createHash('sha256').update(id).digest('hex');
      let badName = 'bad-0';
      for (let n = 1; n < 64 && hash(badName) < hash('good'); n++) badName = `bad-${n}`;
      const badId = hash(badName);
      const records = stored([
        { id: 'good', text: 'Anna lives in Oslo .', metadata: { label: '[{"start":0,"end":4,"label":"PER"}]', split: 'test' } },
        { id: badName, text: 'Omar', metadata: { label: '[{"start":2,"end":1,"label":"PER"}]', split: 'test' } },
      ]);
      await publishTestSnapshot(s.ingestion.deps, 'late-bad-spans', records);
      const created = await unary(s.client.evaluate.bind(s.client), request({ dataset: { name: 'late-bad-spans', snapshot: 0 } }));
      const run = await waitForRun(s, created.runId);
      assert.equal(run.status?.state, common.JobState.JOB_STATE_FAILED);
      // The kit's job runtime keeps a failed job's code and message (the field leads the message), not the field slot.
      assert.equal(run.status?.error?.reason, 'INVALID_ARGUMENT', JSON.stringify(run.status?.error));
      assert.match(run.status?.error?.message ?? '', new RegExp(`^label_field: record ${badId}: span 0`));
      assert.equal(run.token, undefined);
    });

    it('a label field no record carries: INVALID_ARGUMENT naming label_field', async () => {
      const err = await refusal(unary(s.client.evaluate.bind(s.client), request({ labelField: 'entities' })));
      assert.equal(err.kind, 'INVALID_ARGUMENT');
      assert.equal(err.field, 'label_field');
    });

    it('a text classifier asked for token classification: FAILED_PRECONDITION naming model', async () => {
      const spec = { features: 1, vocabSize: 97, wordNgramMax: 1, charNgramMin: 0, charNgramMax: 0, maxTokens: 16, embeddingDim: 4, encoderHiddenSize: 0, hiddenUnits: [], dropout: 0, multiLabel: false };
      const classifier = createModel({ architecture: { $case: 'textClassifier', value: spec } }, ['ham', 'spam'], 3) as BuiltModel<TextExample>;
      await uploadModel(s.stack.registry, 'mail-filter', exportOnnx(classifier.exportSpec()).bytes, { tags: { ...classifier.tags(), class_names: '["ham","spam"]' } });
      classifier.dispose();
      const err = await refusal(unary(s.client.evaluate.bind(s.client), request({ model: { name: 'mail-filter', selector: { $case: 'version', value: 1 } } })));
      assert.equal(err.kind, 'FAILED_PRECONDITION');
      assert.equal(err.field, 'model');
      assert.match(err.message, /not a token tagger/);
    });

    it('a tagger asked for classification: FAILED_PRECONDITION naming model (its output is per token)', async () => {
      const err = await refusal(unary(s.client.evaluate.bind(s.client), request({ task: evaluator.EvalTask.EVAL_TASK_CLASSIFICATION })));
      assert.equal(err.kind, 'FAILED_PRECONDITION');
      assert.equal(err.field, 'model');
    });
  });
});
