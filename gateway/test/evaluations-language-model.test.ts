/**
 * Language-model evaluation at the REST edge and on the CLI, every part
 * real (gateway → evaluator → ingestion / registry / inference): `task:
 * "language_modeling"` and `window` in `POST /v1/evaluations`, the run's
 * perplexity in snake_case, `l1g1 evaluate` printing it, and the refusals
 * (a classifier asked as a language model, a language model asked as a
 * classifier, a window out of range) as 400s naming the field.
 */
import { strict as assert } from 'node:assert';
import { buildMlp } from '@l1g1/onnx';
import type { trainer } from '@l1g1/contracts';
import { runCli } from '../../packages/cli/src/run-cli';
import { exportOnnx } from '../../services/trainer/src/export';
import { createModel, type GruLmModel } from '../../services/trainer/src/models';
import { useCpuBackend } from '../../services/trainer/test/export-helpers';
import { publishTestSnapshot } from '../../services/ingestion/test/support/publish-test-snapshot';
import { startEvaluatorStack, type EvaluatorStack } from '../../services/evaluator/test/support/start-evaluator';
import { bearer, http, uploadModel } from '../../test/support/stack';
import { outputSink as sink } from '../../test/support/output-sink';

const SPEC: trainer.GruSpec = { inputDim: 0, hiddenSize: 8, numLayers: 1, bidirectional: false, maxSteps: 10, dropout: 0, languageModel: { level: 1, maxVocab: 0, embeddingDim: 4 } };
const TEXT = 'the quick brown fox jumps over the lazy dog. '.repeat(3);

describe('language-model evaluations over REST and the CLI', function () {
  this.timeout(120_000);
  let s: EvaluatorStack;
  let url: string;
  let admin: Record<string, string>;

  before(async () => {
    await useCpuBackend();
    s = await startEvaluatorStack();
    url = s.stack.gatewayUrl;
    admin = bearer(s.stack.adminKey);
    // An untrained LM is enough here: the edge is under test, the figures are checked in the evaluator's own tests.
    const model = createModel({ architecture: { $case: 'gru', value: SPEC } }, [], 2) as GruLmModel;
    model.featurize([{ data: TEXT, metadata: {} }]);
    const bytes = exportOnnx(model.exportSpec(), { precision: 'fp32' }).bytes;
    const tags = model.tags();
    model.dispose();
    await uploadModel(s.stack.registry, 'fox-lm', bytes, { tags });
    await uploadModel(s.stack.registry, 'animals', buildMlp({ inputSize: 4, hiddenSizes: [], outputSize: 3, softmax: true, seed: 7 }), { tags: { class_names: 'cat,dog,eel' } });
    const data = Buffer.from(TEXT);
    await publishTestSnapshot(s.ingestion.deps, 'fox-text', [{ id: 'a'.repeat(64), modality: 'text', contentType: 'text/plain', data, metadata: { split: 'test' } }]);
  });
  after(async () => {
    await s?.close();
  });

  it('POST /v1/evaluations with task "language_modeling" and window: the run answers perplexity, nll, tokens in snake_case', async () => {
    const created = await http(`${url}/v1/evaluations`, { method: 'POST', headers: admin, json: { model: 'fox-lm@1', dataset: 'fox-text', task: 'language_modeling', window: 8 } });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    assert.equal(created.body.request.task, 'language_modeling');
    assert.equal(created.body.request.window, 8);
    let run = created.body;
    for (let i = 0; i < 600 && !['succeeded', 'failed', 'cancelled'].includes(run.state); i++) {
      await new Promise((done) => setTimeout(done, 100));
      run = (await http(`${url}/v1/evaluations/${created.body.run_id}`, { headers: admin })).body;
    }
    assert.equal(run.state, 'succeeded', JSON.stringify(run.error));
    const m = run.metrics as Record<string, number>;
    assert.equal(m['tokens'], TEXT.length - 1);
    assert.equal(m['windows'], Math.ceil((TEXT.length - 1) / 8));
    assert.ok(Math.abs(Math.log(m['perplexity']!) - m['nll']!) < 1e-12, JSON.stringify(m));
    assert.equal(run.classification, null, 'no class metrics for a language model');
  });

  it('l1g1 evaluate --task language_modeling prints the perplexity', async () => {
    const out = sink();
    const err = sink();
    const env = { L1G1_GATEWAY_URL: url, L1G1_API_KEY: s.stack.adminKey };
    const code = await runCli(['evaluate', '--model', 'fox-lm@1', '--dataset', 'fox-text', '--task', 'language_modeling', '--window', '10'], { env, stdout: out.stream, stderr: err.stream });
    assert.equal(code, 0, err.text() + out.text());
    assert.match(out.text(), /^\s+perplexity\s+\d+\.\d{4}$/m);
    assert.match(out.text(), /^\s+bits_per_token\s+\d+\.\d{4}$/m);
    assert.match(out.text(), new RegExp(`^\\s+tokens\\s+${TEXT.length - 1}$`, 'm'));
  });

  it('a classifier asked as a language model, a language model asked as a classifier, a bad window: 400 naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ model: 'animals@1', dataset: 'fox-text', task: 'language_modeling' }, 'task'],
      [{ model: 'fox-lm@1', dataset: 'fox-text', task: 'classification' }, 'task'],
      [{ model: 'fox-lm@1', dataset: 'fox-text', window: 5000 }, 'window'],
      [{ model: 'fox-lm@1', dataset: 'fox-text', window: 'wide' }, 'window'],
      [{ model: 'fox-lm@1', dataset: 'fox-text', split: 'nope' }, 'split'],
    ];
    for (const [json, field] of cases) {
      const r = await http(`${url}/v1/evaluations`, { method: 'POST', headers: admin, json });
      assert.equal(r.status, 400, `${JSON.stringify(json)}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.field, field, `${JSON.stringify(json)}: ${JSON.stringify(r.body)}`);
    }
  });
});
