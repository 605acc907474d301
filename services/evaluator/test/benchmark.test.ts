/**
 * Benchmark through the real evaluator and inference service: one streamed
 * result per batch size (latency percentiles, throughput, the server's
 * queue/compute split), stored under the run id; refusals name the field.
 * No timing is asserted, only that the figures are consistent.
 */
import { strict as assert } from 'node:assert';
import { common, evaluator, variantUsabilityTags } from '@l1g1/contracts';
import { fromServiceError, L1g1Error, unary } from '@l1g1/kit';
import { buildDemoClassifier } from '@l1g1/onnx';
import { uploadModel } from '../../../test/support/stack';
import { startEvaluatorStack, type EvaluatorStack } from './support/start-evaluator';

const DEMO: common.ModelRef = { name: 'demo', selector: undefined };

describe('evaluator Benchmark: streamed per batch size through the inference service', function () {
  this.timeout(60_000);
  let s: EvaluatorStack;

  before(async () => {
    s = await startEvaluatorStack();
    await uploadModel(s.stack.registry, 'demo', buildDemoClassifier(), { alias: 'production' });
    await uploadModel(s.stack.registry, 'demo', buildDemoClassifier(), { version: 1, precision: common.Precision.PRECISION_INT8 });
  });
  after(async () => {
    await s?.close();
  });

  function bench(req: Partial<evaluator.BenchmarkRequest>): Promise<evaluator.BenchmarkResult[]> {
    return new Promise((done, fail) => {
      const out: evaluator.BenchmarkResult[] = [];
      const stream = s.client.benchmark(evaluator.BenchmarkRequest.fromPartial(req));
      stream.on('data', (r: evaluator.BenchmarkResult) => out.push(r));
      stream.on('error', (e) => fail(fromServiceError(e as never)));
      stream.on('end', () => done(out));
    });
  }

  it('streams one result per batch size, in order, with consistent figures, and stores them under the run id', async () => {
    const results = await bench({ model: DEMO, batchSizes: [1, 4], iterations: 5, warmupIterations: 1, concurrency: 2, device: 'cpu' });
    assert.deepEqual(results.map((r) => r.batchSize), [1, 4]);
    for (const r of results) {
      assert.equal(r.requests, 5);
      assert.equal(r.errors, 0);
      assert.equal(r.rows, 5 * r.batchSize);
      assert.equal(r.concurrency, 2);
      assert.equal(r.device, 'cpu');
      assert.equal(r.model?.selector?.value, 1, 'pinned to the resolved version');
      const l = r.latency!;
      assert.ok(l.p50Us > 0 && l.p50Us <= l.p95Us && l.p95Us <= l.p99Us && l.p99Us <= l.maxUs, JSON.stringify(l));
      assert.ok(r.throughputRowsPerS > 0 && r.requestsPerS > 0);
      assert.ok(r.meanComputeUs > 0, 'the inference service reported its compute time');
    }
    assert.equal(results[0]!.runId, results[1]!.runId);
    const stored = await s.evaluator.deps.benchmarks.get(results[0]!.runId);
    assert.deepEqual(stored.map((r) => [r.batchSize, r.requests]), [[1, 5], [4, 5]]);
  });

  it('refuses a gpu device on the cpu-only inference service, naming device; and bad knobs naming theirs', async () => {
    const refused = (field: string, kind: string) => (e: unknown) => e instanceof L1g1Error && e.field === field && e.kind === kind;
    await assert.rejects(bench({ model: DEMO, device: 'gpu', iterations: 1 }), refused('device', 'FAILED_PRECONDITION'));
    await assert.rejects(bench({ model: DEMO, device: 'cuda:0', iterations: 1 }), refused('device', 'FAILED_PRECONDITION'));
    await assert.rejects(bench({ model: DEMO, device: 'tpu', iterations: 1 }), refused('device', 'INVALID_ARGUMENT'));
    await assert.rejects(bench({ model: DEMO, batchSizes: [0], iterations: 1 }), refused('batch_sizes[0]', 'INVALID_ARGUMENT'));
    await assert.rejects(bench({ model: DEMO, durationMs: 600_000 }), refused('duration_ms', 'INVALID_ARGUMENT'));
    await assert.rejects(bench({ model: DEMO, concurrency: 1000, iterations: 1 }), refused('concurrency', 'INVALID_ARGUMENT'));
    await assert.rejects(bench({ model: { name: 'nope', selector: undefined }, iterations: 1 }), (e: unknown) => e instanceof L1g1Error && e.kind === 'NOT_FOUND');
    await assert.rejects(bench({ model: DEMO, precision: common.Precision.PRECISION_FP16, iterations: 1 }), refused('precision', 'INVALID_ARGUMENT'));
  });

  it('a variant marked not usable is refused by the inference service, and the benchmark says so', async () => {
    await unary(s.stack.registry.updateVersion.bind(s.stack.registry), { modelName: 'demo', version: 1, tags: variantUsabilityTags('int8', false, 'drop 3.00 points, bound 0.50'), metrics: {} });
    await assert.rejects(
      bench({ model: DEMO, precision: common.Precision.PRECISION_INT8, iterations: 1 }),
      (e: unknown) => e instanceof L1g1Error && e.kind === 'FAILED_PRECONDITION' && e.field === 'precision' && /drop 3\.00 points/.test(e.message),
    );
  });
});
