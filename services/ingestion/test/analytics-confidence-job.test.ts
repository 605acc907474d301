import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status, type ServiceError } from '@grpc/grpc-js';
import { common, ingestion, registry } from '@l1g1/contracts';
import { createGrpcClient, createSilentLogger, type Job } from '@l1g1/kit';
import { buildTextLookupClassifier } from '@l1g1/onnx';
import { loadRegistryConfig, startModelRegistry, type RunningModelRegistry } from '@l1g1/model-registry';
import { loadInferenceConfig, startInference, type RunningInference } from '@l1g1/inference';
import { adminClientOptions, uploadModel } from '../../../test/support/stack';
import { collectAll, streamOf, textStored } from './analytics-support';
import { startTestIngestion, TEST_INTERNAL_SECRET, type TestIngestion } from './support/start-ingestion';

function unary<Res>(invoke: (cb: (err: ServiceError | null, res: Res) => void) => unknown): Promise<Res> {
  return new Promise((resolve, reject) => {
    invoke((err, res) => (err ? reject(err) : resolve(res)));
  });
}

async function waitForJob(svc: TestIngestion, id: string): Promise<Job> {
  // Bounded: 400 polls of 50 ms.
  for (let i = 0; i < 400; i += 1) {
    const job = await svc.deps.jobs.get(id);
    if (job && (job.state === 'succeeded' || job.state === 'failed' || job.state === 'cancelled')) return job;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`job ${id} did not finish`);
}

describe('FilterByConfidence through the real inference service (registry + inference + ingestion over gRPC)', function () {
  this.timeout(60_000);
  let dir: string;
  let reg: RunningModelRegistry;
  let inf: RunningInference;
  let regClient: registry.ModelRegistryServiceClient;
  let svc: TestIngestion;
  // Known probabilities [ham, spam] per text, served by an ONNX model (CategoryMapper + Gather).
  const table = new Map<string, number[]>([
    ['see you at lunch', [0.95, 0.05]],
    ['minutes of the meeting', [0.85, 0.15]],
    ['win a free cruise now', [0.1, 0.9]],
    ['cheap meds online', [0.3, 0.7]],
    ['quarterly report attached', [0.9, 0.1]],
  ]);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'l1g1-confidence-'));
    const logger = createSilentLogger();
    const secret = { L1G1_INTERNAL_SECRET: TEST_INTERNAL_SECRET };
    reg = await startModelRegistry(loadRegistryConfig({ L1G1_DATA_DIR: dir, L1G1_REGISTRY_ADDR: '127.0.0.1:0', ...secret }), { logger });
    inf = await startInference(
      loadInferenceConfig({ L1G1_DATA_DIR: dir, L1G1_INFERENCE_ADDR: '127.0.0.1:0', L1G1_INFERENCE_METRICS_PORT: '0', L1G1_REGISTRY_ADDR: reg.address, ...secret }),
      { logger },
    );
    regClient = createGrpcClient(registry.ModelRegistryServiceClient, reg.address, await adminClientOptions(dir));
    await uploadModel(regClient, 'spam-clf', buildTextLookupClassifier(table, [0.5, 0.5]), { alias: 'production' });
    // The same model with its classes named in the registry, in both spellings of the tag.
    await uploadModel(regClient, 'spam-json-tag', buildTextLookupClassifier(table, [0.5, 0.5]), { alias: 'production', tags: { class_names: '["ham", "spam"]' } });
    await uploadModel(regClient, 'spam-csv-tag', buildTextLookupClassifier(table, [0.5, 0.5]), { alias: 'production', tags: { class_names: 'ham, spam' } });
    svc = await startTestIngestion({ env: { L1G1_INFERENCE_ADDR: inf.address, L1G1_REGISTRY_ADDR: reg.address } });
    await svc.deps.publisher.publish(
      { dataset: 'mails', origin: 'upload', jobId: 't', parents: [], description: '', tags: {}, createdBy: 'tests', counts: {}, cleaning: {}, cleaningReport: {}, uploadReport: {}, sources: [] },
      streamOf([
        textStored('m1', 'see you at lunch', { label: 'ham' }),
        textStored('m2', 'minutes of the meeting', { label: 'ham' }),
        textStored('m3', 'win a free cruise now', { label: 'spam' }),
        textStored('m4', 'cheap meds online', { label: 'spam' }),
        textStored('m5', 'quarterly report attached', { label: 'spam' }),
        textStored('m6', 'win a free cruise now', {}),
      ]),
    );
  });

  after(async () => {
    await svc?.close();
    regClient?.close();
    await inf?.stop();
    await reg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const request = (o: Partial<ingestion.FilterByConfidenceRequest> = {}): ingestion.FilterByConfidenceRequest => ({
    snapshot: { name: 'mails', snapshot: 0 },
    model: { name: 'spam-clf', selector: { $case: 'alias', value: 'production' } },
    precision: common.Precision.PRECISION_FP32,
    labelField: '',
    mode: ingestion.ThresholdMode.THRESHOLD_MODE_GLOBAL,
    threshold: undefined,
    classThresholds: {},
    classNames: ['ham', 'spam'],
    inputName: '',
    outputName: '',
    batchSize: 2,
    dropDisagreements: false,
    outputDataset: 'mails-clean',
    idempotencyKey: '',
    rounds: 0,
    ...o,
  });

  it('keeps records scoring >= 0.8, sends the rest to the review queue with their scores, and they can be resolved', async () => {
    const submitted = await unary<ingestion.IngestionJob>((cb) => svc.client.filterByConfidence(request(), cb));
    assert.equal(submitted.kind, ingestion.IngestionJobKind.INGESTION_JOB_KIND_CONFIDENCE_FILTER);
    const job = await waitForJob(svc, submitted.status?.jobId ?? '');
    assert.equal(job.state, 'succeeded', JSON.stringify(job.error));
    const result = ingestion.FilterResult.fromJSON(job.result);
    assert.equal(result.scored, 6);
    assert.equal(result.kept, 4);
    assert.equal(result.sentToReview, 2);
    assert.equal(result.unlabelled, 1);
    assert.deepEqual(result.model, { name: 'spam-clf', selector: { $case: 'version', value: 1 } });

    const kept = await collectAll((await svc.deps.snapshots.open({ dataset: 'mails-clean', version: 0 })).records());
    assert.deepEqual(kept.map((r) => r.id).sort(), ['m1', 'm2', 'm3', 'm6']);
    const m1 = kept.find((r) => r.id === 'm1');
    assert.ok(Math.abs(Number(m1?.metadata['confidence']) - 0.95) < 1e-6);
    assert.equal(m1?.metadata['predicted_label'], 'ham');

    const queue = await unary<ingestion.ListReviewQueueResponse>((cb) =>
      svc.client.listReviewQueue({ dataset: 'mails', state: 0, reason: 0, jobId: job.id, page: undefined }, cb),
    );
    const byRecord = new Map(queue.items.map((i) => [i.record?.id, i]));
    assert.deepEqual([...byRecord.keys()].sort(), ['m4', 'm5']);
    const m4 = byRecord.get('m4');
    assert.ok(Math.abs((m4?.confidence ?? 0) - 0.7) < 1e-6, 'the probability of its given label');
    assert.equal(m4?.threshold, 0.8);
    assert.equal(m4?.givenLabel, 'spam');
    assert.equal(m4?.predictedLabel, 'spam');
    assert.equal(m4?.reason, ingestion.ReviewReason.REVIEW_REASON_LOW_CONFIDENCE);
    assert.deepEqual(m4?.model, { name: 'spam-clf', selector: { $case: 'version', value: 1 } });
    assert.equal(byRecord.get('m5')?.predictedLabel, 'ham');

    const resolve = (itemId: string, decision: ingestion.ReviewDecision, newLabel = '') =>
      unary<ingestion.ReviewItem>((cb) => svc.client.resolveReviewItem({ itemId, decision, newLabel, note: '' }, cb));
    assert.equal((await resolve(m4?.id ?? '', ingestion.ReviewDecision.REVIEW_DECISION_KEEP)).decision, ingestion.ReviewDecision.REVIEW_DECISION_KEEP);
    const relabelled = await resolve(byRecord.get('m5')?.id ?? '', ingestion.ReviewDecision.REVIEW_DECISION_RELABEL, 'ham');
    assert.equal(relabelled.newLabel, 'ham');
    const again = await resolve(m4?.id ?? '', ingestion.ReviewDecision.REVIEW_DECISION_DISCARD).then(() => undefined, (e: ServiceError) => e);
    assert.equal(again?.code, status.FAILED_PRECONDITION);
  });

  it('confident learning over two rounds uses each class mean self-confidence as its threshold', async () => {
    const submitted = await unary<ingestion.IngestionJob>((cb) =>
      svc.client.filterByConfidence(request({ mode: ingestion.ThresholdMode.THRESHOLD_MODE_CONFIDENT_LEARNING, rounds: 2, outputDataset: 'mails-cl' }), cb),
    );
    const job = await waitForJob(svc, submitted.status?.jobId ?? '');
    assert.equal(job.state, 'succeeded', JSON.stringify(job.error));
    const result = ingestion.FilterResult.fromJSON(job.result);
    // round 1: ham (0.95 + 0.85) / 2 = 0.9 drops m2; spam (0.9 + 0.7 + 0.1) / 3 ≈ 0.567 drops m5;
    // round 2: ham over {m1} = 0.95, spam over {m3, m4} = 0.8 drops m4.
    assert.ok(Math.abs((result.thresholds['spam'] ?? 0) - 0.8) < 1e-6, JSON.stringify(result.thresholds));
    assert.equal(result.kept, 3);
    assert.equal(result.sentToReview, 3);
  });

  for (const [model, spelling] of [
    ['spam-json-tag', 'a JSON array'],
    ['spam-csv-tag', 'comma-separated'],
  ] as const) {
    it(`without class_names, takes the classes from the model version's class_names tag (${spelling})`, async () => {
      const submitted = await unary<ingestion.IngestionJob>((cb) =>
        svc.client.filterByConfidence(request({ classNames: [], model: { name: model, selector: { $case: 'alias', value: 'production' } }, outputDataset: `mails-${model}` }), cb),
      );
      const job = await waitForJob(svc, submitted.status?.jobId ?? '');
      assert.equal(job.state, 'succeeded', JSON.stringify(job.error));
      const result = ingestion.FilterResult.fromJSON(job.result);
      assert.equal(result.kept, 4);
      assert.equal(result.sentToReview, 2);
      const kept = await collectAll((await svc.deps.snapshots.open({ dataset: `mails-${model}`, version: 0 })).records());
      assert.equal(kept.find((r) => r.id === 'm3')?.metadata['predicted_label'], 'spam');
    });
  }

  it('without class_names, fails the job naming class_names when the model version has no class_names tag', async () => {
    const submitted = await unary<ingestion.IngestionJob>((cb) => svc.client.filterByConfidence(request({ classNames: [], outputDataset: 'mails-untagged' }), cb));
    const job = await waitForJob(svc, submitted.status?.jobId ?? '');
    assert.equal(job.state, 'failed');
    assert.equal(job.error?.code, 'FAILED_PRECONDITION');
    assert.match(job.error?.message ?? '', /class_names/);
    assert.equal(await svc.deps.store.getDataset('mails-untagged'), undefined);
  });

  it('refuses a request with a bad threshold, naming the field, before any job exists', async () => {
    const filterJobs = async (): Promise<number> => (await svc.deps.jobs.list()).filter((j) => j.kind === 'ingestion.confidence_filter').length;
    const before = await filterJobs();
    for (const [req, field] of [
      [request({ classNames: ['ham', 'ham'] }), /class_names/],
      [request({ threshold: 1.5 }), /threshold/],
      [request({ rounds: 11 }), /rounds/],
      [request({ model: undefined }), /model\.name/],
    ] as const) {
      const err = await unary((cb) => svc.client.filterByConfidence(req, cb)).then(() => undefined, (e: ServiceError) => e);
      assert.equal(err?.code, status.INVALID_ARGUMENT);
      assert.match(err?.details ?? '', field);
    }
    assert.equal(await filterJobs(), before);
  });
});
