/**
 * The evaluator's REST edge, every part real: gateway → evaluator →
 * ingestion / registry / inference, each on a free port. Evaluations,
 * benchmarks as SSE (one event per batch size, `done`, a closed connection
 * stopping the measurement), variant comparisons, gates with promotion,
 * scopes, bad input naming the field without touching the breaker, and a
 * dead evaluator answered 503 + Retry-After.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { common } from '@l1g1/contracts';
import { createSilentLogger, createSqliteKeyStore, issueApiKey, unary } from '@l1g1/kit';
import { loadGatewayConfig, startGateway } from '@l1g1/gateway';
import { buildDemoClassifier, buildMlp, buildMlpWithWeights } from '@l1g1/onnx';
import { readSse, type SseEvent } from '../../packages/cli/src/sse-reader';
import { featureRecords, publishFeatureRecords, CLASS_NAMES } from '../../services/evaluator/test/support/eval-data';
import { startEvaluatorStack, type EvaluatorStack } from '../../services/evaluator/test/support/start-evaluator';
import { bearer, http, uploadModel } from '../../test/support/stack';
import { defaultRoutePolicy } from '../src/admission/route-policy';

const DIM = 4;

/** POSTs and reads the SSE answer to its end (or `max` events, then drops the connection), bounded in time. */
async function postEvents(url: string, headers: Record<string, string>, json: unknown, { max = Infinity, timeoutMs = 60_000 } = {}) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers }, body: JSON.stringify(json), signal: abort.signal });
    const type = res.headers.get('content-type') ?? '';
    if (!type.startsWith('text/event-stream') || !res.body) return { status: res.status, type, headers: res.headers, events: [] as SseEvent[], body: (await res.json().catch(() => undefined)) as unknown };
    const events: SseEvent[] = [];
    for await (const e of readSse(res.body as unknown as AsyncIterable<Uint8Array>)) {
      events.push(e);
      if (events.length >= max) break;
    }
    abort.abort();
    return { status: res.status, type, headers: res.headers, events, body: undefined };
  } finally {
    clearTimeout(timer);
  }
}

describe('gateway: evaluator routes (/v1/evaluations, /v1/benchmarks, /v1/comparisons, /v1/gates) over the real evaluator', function () {
  this.timeout(120_000);
  let s: EvaluatorStack;
  let url: string;
  let admin: Record<string, string>;
  let reader: Record<string, string>;

  before(async () => {
    s = await startEvaluatorStack();
    url = s.stack.gatewayUrl;
    admin = s.stack.authHeaders;
    reader = bearer(await s.stack.createKey({ name: 'reader', scopes: ['read'] }));
    await publishFeatureRecords(s.ingestion, 'animals-data', featureRecords(90, DIM));
    const tags = { class_names: JSON.stringify(CLASS_NAMES) };
    await uploadModel(s.stack.registry, 'animals', buildMlpWithWeights({ inputSize: DIM, hiddenSizes: [], outputSize: 3, softmax: true, seed: 7 }).bytes, { tags, alias: 'production' });
    await uploadModel(s.stack.registry, 'animals', buildMlp({ inputSize: DIM, hiddenSizes: [], outputSize: 3, softmax: true, seed: 7, precision: 'fp16' }), { version: 1, precision: common.Precision.PRECISION_FP16 });
    await uploadModel(s.stack.registry, 'animals', buildMlpWithWeights({ inputSize: DIM, hiddenSizes: [], outputSize: 3, softmax: true, seed: 8 }).bytes, { tags });
    await uploadModel(s.stack.registry, 'demo', buildDemoClassifier(), { alias: 'production' });
  });
  after(async () => {
    await s?.close();
  });

  async function finishedRun(runId: string): Promise<Record<string, unknown>> {
    for (let i = 0; i < 600; i++) {
      const r = await http(`${url}/v1/evaluations/${runId}`, { headers: reader });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      if (['succeeded', 'failed', 'cancelled'].includes(r.body.state)) return r.body;
      await new Promise((done) => setTimeout(done, 100));
    }
    throw new Error(`run ${runId} did not finish`);
  }

  it('POST /v1/evaluations queues a run (202, Location, snake_case); GET answers it finished with its metrics; the list finds it', async () => {
    const created = await http(`${url}/v1/evaluations`, { method: 'POST', headers: admin, json: { model: 'animals@1', dataset: 'animals-data', split: 'test', store_predictions: true, tags: { Team: 'Zoo' } } });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    const runId = created.body.run_id as string;
    assert.match(runId, /^[A-Za-z0-9_-]+$/);
    assert.equal(created.headers.get('location'), `/v1/evaluations/${runId}`);
    assert.equal(created.body.request.label_field, 'label', 'defaults echoed in snake_case');
    assert.deepEqual(created.body.tags, { Team: 'Zoo' }, 'map keys untouched');
    assert.match(created.body.created_at, /^\d{4}-\d\d-\d\dT/);
    const run = await finishedRun(runId);
    assert.equal(run['state'], 'succeeded', JSON.stringify(run['error']));
    assert.equal(run['precision'], 'fp32');
    assert.deepEqual(run['model'], { name: 'animals', version: 1 });
    const metrics = run['metrics'] as Record<string, number>;
    assert.ok(metrics['accuracy']! >= 0 && metrics['accuracy']! <= 1 && 'macro_f1' in metrics);
    const cls = run['classification'] as { confusion_matrix: { labels: string[] }; per_class: unknown[] };
    assert.deepEqual(cls.confusion_matrix.labels, [...CLASS_NAMES]);
    assert.ok((run['predictions'] as unknown[]).length > 0);
    const slim = await http(`${url}/v1/evaluations/${runId}?omit_predictions=true`, { headers: reader });
    assert.deepEqual(slim.body.predictions, []);
    const list = await http(`${url}/v1/evaluations?model=animals&model_version=1&dataset=animals-data&state=succeeded`, { headers: reader });
    assert.equal(list.status, 200);
    assert.ok(list.body.runs.some((r: { run_id: string }) => r.run_id === runId));
    assert.equal(typeof list.body.next_page_token, 'string');
  });

  it('POST /v1/benchmarks streams one `result` event per batch size as SSE, then `done` with the run id', async () => {
    const res = await postEvents(`${url}/v1/benchmarks`, admin, { model: 'demo', batch_sizes: [1, 4], iterations: 3, warmup_iterations: 1, precision: 'fp32', device: 'cpu' });
    assert.equal(res.status, 200);
    assert.match(res.type, /^text\/event-stream/);
    assert.deepEqual(res.events.map((e) => e.event), ['result', 'result', 'done']);
    const results = res.events.slice(0, 2).map((e) => JSON.parse(e.data) as Record<string, unknown>);
    assert.deepEqual(results.map((r) => r['batch_size']), [1, 4]);
    for (const r of results) {
      const l = r['latency'] as Record<string, number>;
      assert.ok(l['p50_us']! > 0 && l['p50_us']! <= l['p95_us']! && l['p95_us']! <= l['p99_us']!, JSON.stringify(l));
      assert.equal(r['requests'], 3);
      assert.equal(r['precision'], 'fp32');
      assert.equal(r['target'], 'inference_grpc');
      assert.ok((r['throughput_rows_per_s'] as number) > 0);
    }
    const done = JSON.parse(res.events[2]!.data) as { run_id: string; results: number };
    assert.deepEqual(done, { run_id: results[0]!['run_id'], results: 2 });
  });

  it('a refused benchmark is a plain 4xx naming the field (not a 200 stream): unknown model, gpu device, bad batch size', async () => {
    const missing = await postEvents(`${url}/v1/benchmarks`, admin, { model: 'nope', iterations: 1 });
    assert.equal(missing.status, 404, JSON.stringify(missing.body));
    assert.match(missing.type, /json/);
    const gpu = await postEvents(`${url}/v1/benchmarks`, admin, { model: 'demo', device: 'cuda:0', iterations: 1 });
    assert.equal(gpu.status, 400);
    assert.equal((gpu.body as { error: { field: string } }).error.field, 'device');
    const bad = await postEvents(`${url}/v1/benchmarks`, admin, { model: 'demo', batch_sizes: [1, 0] });
    assert.equal(bad.status, 400);
    assert.equal((bad.body as { error: { field: string } }).error.field, 'batch_sizes[1]');
  });

  it('closing the connection cancels the benchmark upstream: the inference service stops receiving its requests', async () => {
    const metricsUrl = s.stack.inferenceMetricsUrl;
    assert.ok(metricsUrl, 'the stack exposes inference metrics');
    const answered = async (): Promise<number> => {
      const text = await (await fetch(metricsUrl)).text();
      return text
        .split('\n')
        .filter((l) => l.startsWith('l1g1_inference_requests_total{') && l.includes('model="demo"'))
        .reduce((a, l) => a + Number(l.split(' ').pop()), 0);
    };
    const abort = new AbortController();
    // 60 s of measuring if nothing stops it.
    const res = await fetch(`${url}/v1/benchmarks`, { method: 'POST', headers: { 'content-type': 'application/json', ...admin }, body: JSON.stringify({ model: 'demo', batch_sizes: [1], duration_ms: 60_000, warmup_iterations: 0 }), signal: abort.signal });
    assert.equal(res.status, 200);
    const before = await answered();
    // Requests keep arriving while the client listens ...
    let during = before;
    for (let i = 0; i < 100 && during === before; i++) {
      await new Promise((done) => setTimeout(done, 50));
      during = await answered();
    }
    assert.ok(during > before, 'the benchmark is measuring');
    abort.abort();
    // ... and stop once it has gone (a request already in flight may still land).
    let settled = await answered();
    for (let i = 0; i < 100; i++) {
      await new Promise((done) => setTimeout(done, 100));
      const now = await answered();
      if (now === settled) break;
      settled = now;
    }
    await new Promise((done) => setTimeout(done, 1000));
    assert.equal(await answered(), settled, 'no more benchmark requests after the client closed the stream');
  });

  it('POST /v1/comparisons compares the fp16 variant with fp32 (deltas, agreement, tolerance, interval, McNemar)', async () => {
    const res = await http(`${url}/v1/comparisons`, { method: 'POST', headers: admin, json: { model: { name: 'animals', version: 1 }, dataset: { name: 'animals-data' }, candidates: ['fp16'], metric: 'accuracy', max_drop: 0.05 } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.baseline.precision, 'fp32');
    assert.deepEqual(res.body.candidates.map((c: { precision: string }) => c.precision), ['fp16']);
    const fp16 = res.body.candidates[0];
    assert.ok('accuracy' in fp16.deltas && fp16.agreement_with_baseline >= 0 && fp16.agreement_with_baseline <= 1);
    assert.equal(typeof fp16.within_tolerance, 'boolean');
    assert.equal(res.body.metric, 'accuracy');
    assert.equal(res.body.max_drop, 0.05);
    // E-FINISH's evidence fields, in snake_case.
    assert.ok(fp16.ci_low <= fp16.metric_delta && fp16.metric_delta <= fp16.ci_high, JSON.stringify(fp16));
    assert.ok(fp16.p_value >= 0 && fp16.p_value <= 1);
    assert.equal(typeof fp16.usable, 'boolean');
    assert.equal(typeof fp16.evidence, 'string');
    assert.ok(Array.isArray(fp16.per_class_deltas));
    assert.ok(res.body.records_compared > 0);
  });

  it('gates: create (201), get, list, patch, :evaluate with promote moves the alias, decisions listed, delete (204, no body)', async () => {
    const gate = { name: 'zoo-gate', description: 'at least chance', thresholds: [{ metric: 'accuracy', comparison: 'greater_or_equal', value: 0 }], dataset: 'animals-data', promote_alias: 'staging', tags: { Owner: 'Zoo' }, max_latency_p95_ms: 60_000, latency_batch_size: 2 };
    const created = await http(`${url}/v1/gates`, { method: 'POST', headers: admin, json: gate });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.headers.get('location'), '/v1/gates/zoo-gate');
    assert.deepEqual(created.body.thresholds, [{ metric: 'accuracy', comparison: 'greater_or_equal', value: 0, relative_to_baseline: false }]);
    assert.deepEqual(created.body.tags, { Owner: 'Zoo' });
    assert.equal(created.body.max_latency_p95_ms, 60_000);
    assert.equal(created.body.latency_batch_size, 2);
    assert.equal((await http(`${url}/v1/gates/zoo-gate`, { headers: reader })).body.promote_alias, 'staging');
    const list = await http(`${url}/v1/gates`, { headers: reader });
    assert.ok(list.body.gates.some((g: { name: string }) => g.name === 'zoo-gate'));
    const patched = await http(`${url}/v1/gates/zoo-gate`, { method: 'PATCH', headers: admin, json: { description: 'changed' } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.description, 'changed');
    assert.equal(patched.body.max_latency_p95_ms, 60_000, 'the budget is kept when not given');
    assert.equal(patched.body.promote_alias, 'staging', 'what was not given is unchanged');

    // A finished run of version 2 on the gate's data, through the REST route.
    const run = await http(`${url}/v1/evaluations`, { method: 'POST', headers: admin, json: { model: 'animals@2', dataset: 'animals-data' } });
    assert.equal(run.status, 202, JSON.stringify(run.body));
    assert.equal((await finishedRun(run.body.run_id))['state'], 'succeeded');
    // Promotion moves an alias: a read key may not, as it may not set an alias directly.
    const denied = await http(`${url}/v1/gates/zoo-gate:evaluate`, { method: 'POST', headers: reader, json: { model: 'animals@2', evaluation_run_id: run.body.run_id, promote: true } });
    assert.equal(denied.status, 403);
    const direct = await http(`${url}/v1/models/animals/aliases/staging`, { method: 'PUT', headers: reader, json: { version: 2 } });
    assert.equal(direct.status, 403, 'the same scope as the direct alias route');
    const decision = await http(`${url}/v1/gates/zoo-gate:evaluate`, { method: 'POST', headers: admin, json: { model: 'animals@2', evaluation_run_id: run.body.run_id, promote: true } });
    assert.equal(decision.status, 200, JSON.stringify(decision.body));
    assert.equal(decision.body.passed, true);
    assert.equal(decision.body.promoted, true);
    assert.equal(decision.body.promoted_alias, 'staging');
    assert.deepEqual(decision.body.model, { name: 'animals', version: 2 });
    assert.equal(decision.body.results[0].threshold.comparison, 'greater_or_equal');
    assert.ok(decision.body.latency_p95_ms > 0, 'latency budget evidence');
    assert.equal(decision.body.latency_batch_size, 2);
    assert.ok(decision.body.benchmark_run_id);
    const resolved = await unary(s.stack.registry.resolveModel.bind(s.stack.registry), { name: 'animals', selector: { $case: 'alias', value: 'staging' } });
    assert.equal(resolved.version, 2);
    const decisions = await http(`${url}/v1/gates/zoo-gate/decisions?model=animals`, { headers: reader });
    assert.equal(decisions.status, 200);
    assert.deepEqual(decisions.body.decisions.map((d: { decision_id: string }) => d.decision_id), [decision.body.decision_id]);

    const deleted = await fetch(`${url}/v1/gates/zoo-gate`, { method: 'DELETE', headers: admin });
    assert.equal(deleted.status, 204);
    assert.equal(await deleted.text(), '');
    assert.equal((await http(`${url}/v1/gates/zoo-gate`, { headers: reader })).status, 404);
  });

  it('bad input is a 400 naming the field, and many of them leave the evaluator breaker closed', async () => {
    const cases: [string, string, unknown, string][] = [
      ['POST', '/v1/gates', { name: 'Bad Name', thresholds: [] }, 'name'],
      ['POST', '/v1/gates', { name: 'g', thresholds: [{ metric: 'accuracy', comparison: '>=', value: 1 }] }, 'thresholds[0].comparison'],
      ['POST', '/v1/gates', { name: 'g', thresholds: [{ metric: 'accuracy', comparison: 'greater', value: 'x' }] }, 'thresholds[0].value'],
      ['POST', '/v1/evaluations', { dataset: 'animals-data' }, 'model'],
      ['POST', '/v1/evaluations', { model: 'animals', dataset: 'animals-data', precision: 'FP16' }, 'precision'],
      ['POST', '/v1/evaluations', { model: 'animals', dataset: 'animals-data', task: 'regression' }, 'task'],
      ['POST', '/v1/comparisons', { model: 'animals', dataset: 'animals-data', candidates: ['fp8'] }, 'candidates[0]'],
      ['POST', '/v1/comparisons', { model: 'animals', dataset: 'animals-data', candidate_model: { version: 2 } }, 'candidate_model.name'],
      ['POST', '/v1/gates', { name: 'g', thresholds: [], max_latency_p95_ms: -1 }, 'max_latency_p95_ms'],
      ['PATCH', '/v1/gates/zoo', { latency_batch_size: 0.5 }, 'latency_batch_size'],
      ['POST', '/v1/gates/zoo:evaluate', { model: 'animals', evaluation_run_id: '../x' }, 'evaluation_run_id'],
      ['PATCH', '/v1/gates/zoo', { name: 'renamed' }, 'name'],
      ['GET', '/v1/evaluations?state=done', undefined, 'state'],
      ['GET', '/v1/evaluations?model_version=2', undefined, 'model_version'],
      ['GET', '/v1/evaluations/bad*id', undefined, 'run_id'],
    ];
    for (let round = 0; round < 3; round++) {
      for (const [method, path, json, field] of cases) {
        const r = await http(`${url}${path}`, { method, headers: admin, ...(json === undefined ? {} : { json }) });
        assert.equal(r.status, 400, `${method} ${path}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.error.field, field, `${method} ${path}: ${JSON.stringify(r.body)}`);
        assert.ok(r.body.error.message.includes(field));
      }
    }
    // Refused by the evaluator itself (not found), also a client fault.
    for (let i = 0; i < 6; i++) assert.equal((await http(`${url}/v1/gates/no-such-gate`, { headers: reader })).status, 404);
    const ready = await http(`${url}/readyz`);
    assert.equal(ready.body.breakers.evaluator, 'closed');
  });
});

describe('gateway: evaluator route policy', () => {
  it('evaluator routes go to the evaluator upstream; the benchmark is a stream; comparisons and gate decisions get the transfer deadline', () => {
    assert.deepEqual(defaultRoutePolicy('POST', '/v1/benchmarks'), { upstream: 'evaluator', lane: 'stream', deadline: 'metadata' });
    assert.deepEqual(defaultRoutePolicy('POST', '/v1/comparisons'), { upstream: 'evaluator', lane: 'request', deadline: 'transfer' });
    assert.deepEqual(defaultRoutePolicy('POST', '/v1/gates/:gate_id(^[^/:]+)::evaluate'), { upstream: 'evaluator', lane: 'request', deadline: 'transfer' });
    for (const url of ['/v1/evaluations', '/v1/evaluations/:run_id', '/v1/gates', '/v1/gates/:gate_id', '/v1/gates/:gate_id/decisions']) {
      assert.deepEqual(defaultRoutePolicy('GET', url), { upstream: 'evaluator', lane: 'request', deadline: 'metadata' }, url);
    }
    // A prefix that only looks alike is not the evaluator's.
    assert.equal(defaultRoutePolicy('GET', '/v1/gatesx').upstream, undefined);
  });
});

describe('gateway: evaluator routes with the evaluator down', function () {
  this.timeout(60_000);

  it('answers 503 + Retry-After, without transport details', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l1g1-eval-down-'));
    mkdirSync(join(dir, 'auth'), { recursive: true });
    const keys = createSqliteKeyStore(join(dir, 'auth', 'keys.db'));
    const admin = bearer((await issueApiKey(keys, { name: 'admin', scopes: ['admin'] })).plaintext);
    keys.close();
    // Port 9 (discard): nothing answers gRPC there.
    const gw = await startGateway(loadGatewayConfig({ L1G1_DATA_DIR: dir, L1G1_GATEWAY_PORT: '0', L1G1_EVALUATOR_ADDR: '127.0.0.1:9', L1G1_INTERNAL_SECRET: 'eval-down' }), { logger: createSilentLogger() });
    try {
      for (const [method, path, json] of [['GET', '/v1/gates', undefined], ['POST', '/v1/benchmarks', { model: 'demo' }]] as const) {
        const r = await http(`${gw.url}${path}`, { method, headers: admin, ...(json ? { json } : {}) });
        assert.equal(r.status, 503, `${method} ${path}: ${JSON.stringify(r.body)}`);
        assert.ok(Number(r.headers.get('retry-after')) >= 1, 'Retry-After');
        assert.doesNotMatch(JSON.stringify(r.body), /127\.0\.0\.1|:9\b|ECONNREFUSED|No connection/);
      }
    } finally {
      await gw.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
