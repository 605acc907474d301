/**
 * `l1g1 benchmark`, `l1g1 evaluate` and `l1g1 gate evaluate` against the real
 * gateway and evaluator (with ingestion, registry and inference behind), and
 * their flag parsing without a server.
 */
import { strict as assert } from 'node:assert';
import { buildDemoClassifier, buildMlpWithWeights } from '@l1g1/onnx';
import { CLASS_NAMES, featureRecords, publishFeatureRecords } from '../../../services/evaluator/test/support/eval-data';
import { startEvaluatorStack, type EvaluatorStack } from '../../../services/evaluator/test/support/start-evaluator';
import { http, uploadModel } from '../../../test/support/stack';
import { UsageError } from '../src/cli-config';
import { batchSizes, benchmarkRequestBody } from '../src/commands/benchmark-command';
import { runCli } from '../src/run-cli';
import { outputSink as sink } from '../../../test/support/output-sink';

describe('l1g1 CLI: benchmark flags (no server)', () => {
  it('takes --batch_size and --batch-size, comma lists and repeats; --requests and --duration become iterations and duration_ms', () => {
    assert.deepEqual(batchSizes(['1,8', '32']), [1, 8, 32]);
    const { body } = benchmarkRequestBody(['--model', 'demo', '--batch_size', '1,8', '--batch-size', '32', '--precision', 'FP16', '--device', 'cpu', '--concurrency', '4', '--requests', '50', '--duration', '2.5']);
    assert.deepEqual(body, { model: 'demo', batch_sizes: [1, 8, 32], precision: 'fp16', device: 'cpu', concurrency: 4, iterations: 50, duration_ms: 2500 });
    assert.throws(() => benchmarkRequestBody(['--model', 'demo', '--batch_size', '0']), UsageError);
    assert.throws(() => benchmarkRequestBody(['--batch_size', '1']), UsageError, 'model required');
    assert.throws(() => benchmarkRequestBody(['--model', 'demo', '--duration', 'soon']), UsageError);
  });

  it('a usage mistake exits 2 before any request', async () => {
    const err = sink();
    assert.equal(await runCli(['benchmark', '--model', 'demo', '--concurrency', '-1'], { env: { L1G1_GATEWAY_URL: 'http://127.0.0.1:9' }, stdout: sink().stream, stderr: err.stream }), 2);
    assert.match(err.text(), /--concurrency/);
    assert.equal(await runCli(['gate', 'evaluate'], { env: { L1G1_GATEWAY_URL: 'http://127.0.0.1:9' }, stdout: sink().stream, stderr: sink().stream }), 2);
    assert.equal(await runCli(['evaluate', '--model', 'm', '--dataset', 'Bad Name'], { env: { L1G1_GATEWAY_URL: 'http://127.0.0.1:9' }, stdout: sink().stream, stderr: sink().stream }), 2);
  });
});

describe('l1g1 CLI: benchmark, evaluate and gate evaluate through the real gateway and evaluator', function () {
  this.timeout(120_000);
  let s: EvaluatorStack;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    s = await startEvaluatorStack();
    env = { L1G1_GATEWAY_URL: s.stack.gatewayUrl, L1G1_API_KEY: s.stack.adminKey };
    await uploadModel(s.stack.registry, 'demo', buildDemoClassifier(), { alias: 'production' });
    await publishFeatureRecords(s.ingestion, 'animals-data', featureRecords(60, 4));
    await uploadModel(s.stack.registry, 'animals', buildMlpWithWeights({ inputSize: 4, hiddenSizes: [], outputSize: 3, softmax: true, seed: 7 }).bytes, {
      tags: { class_names: JSON.stringify(CLASS_NAMES) },
      alias: 'staging',
    });
  });
  after(async () => {
    await s?.close();
  });

  it('l1g1 benchmark prints one table row per batch size, each written as its result arrives, then the run id', async () => {
    const out = sink();
    const err = sink();
    const code = await runCli(['benchmark', '--model', 'demo', '--batch_size', '1,4', '--precision', 'fp32', '--device', 'cpu', '--concurrency', '2', '--requests', '5', '--warmup', '1'], { env, stdout: out.stream, stderr: err.stream });
    assert.equal(code, 0, err.text());
    const rows = out.text().split('\n').filter((l) => /^\s+\d+\s+\d+\s+\d+\s/.test(l));
    assert.equal(rows.length, 2, out.text());
    const cells = rows.map((r) => r.trim().split(/\s+/).map(Number));
    assert.deepEqual(cells.map((c) => c.slice(0, 3)), [[1, 5, 0], [4, 5, 0]], 'batch, requests, errors');
    for (const c of cells) assert.ok(c[3]! > 0 && c[3]! <= c[4]! && c[4]! <= c[5]!, 'p50 <= p95 <= p99');
    assert.match(out.text(), /p50 ms\s+p95 ms\s+p99 ms/);
    assert.match(out.text(), /run [0-9a-f-]{36}: 2 result\(s\)/);
    // Each row was its own write, in order (printed as it arrived, not as one block at the end).
    assert.equal(out.writes.filter((w) => /^\s+\d+\s+\d+\s+\d+\s/.test(w)).length, 2);
  });

  it('l1g1 benchmark reports the gateway\'s refusal (gpu on a cpu-only service) and exits 1', async () => {
    const err = sink();
    assert.equal(await runCli(['benchmark', '--model', 'demo', '--device', 'cuda:0', '--requests', '1'], { env, stdout: sink().stream, stderr: err.stream }), 1);
    assert.match(err.text(), /device/);
  });

  it('l1g1 evaluate --model name@alias --dataset NAME --split test prints the metrics table', async () => {
    const out = sink();
    const err = sink();
    const code = await runCli(['evaluate', '--model', 'animals@staging', '--dataset', 'animals-data', '--split', 'test'], { env, stdout: out.stream, stderr: err.stream });
    assert.equal(code, 0, err.text() + out.text());
    assert.match(out.text(), /animals v1 \(fp32\) on animals-data@1: \d+ records/);
    assert.match(out.text(), /^\s+accuracy\s+\d\.\d{4}$/m);
    assert.match(out.text(), /^\s+macro_f1\s+\d\.\d{4}$/m);
    for (const c of CLASS_NAMES) assert.match(out.text(), new RegExp(`^\\s+${c}\\s+\\d\\.\\d{4}\\s+\\d\\.\\d{4}\\s+\\d\\.\\d{4}\\s+\\d+$`, 'm'));
  });

  it('l1g1 gate evaluate GATE_ID --model ... prints the decision per threshold; a fail exits 1 with its reason', async () => {
    const admin = s.stack.authHeaders;
    for (const [name, value] of [['easy', 0], ['hard', 1.01]] as const) {
      const g = await http(`${s.stack.gatewayUrl}/v1/gates`, { method: 'POST', headers: admin, json: { name, thresholds: [{ metric: 'accuracy', comparison: 'greater_or_equal', value }], dataset: 'animals-data', promote_alias: 'production' } });
      assert.equal(g.status, 201, JSON.stringify(g.body));
    }
    // Without --run the evaluator evaluates the candidate itself; a stored run can be given instead.
    const evaluated = sink();
    assert.equal(await runCli(['evaluate', '--model', 'animals@1', '--dataset', 'animals-data', '--json'], { env, stdout: evaluated.stream, stderr: sink().stream }), 0, evaluated.text());
    const runId = (JSON.parse(evaluated.text()) as { run_id: string }).run_id;
    const out = sink();
    const err = sink();
    assert.equal(await runCli(['gate', 'evaluate', 'easy', '--model', 'animals@staging', '--promote'], { env, stdout: out.stream, stderr: err.stream }), 0, err.text() + out.text());
    assert.match(out.text(), /gate easy: animals v1 PASSED/);
    assert.match(out.text(), /ok\s+accuracy = \d\.\d{4} >= 0/);
    assert.match(out.text(), /promoted: production -> v1/);
    const failed = sink();
    assert.equal(await runCli(['gate', 'evaluate', 'hard', '--model', 'animals@1', '--run', runId], { env, stdout: failed.stream, stderr: sink().stream }), 1);
    assert.match(failed.text(), /gate hard: animals v1 FAILED/);
    assert.match(failed.text(), /reason: accuracy/);
  });
});
