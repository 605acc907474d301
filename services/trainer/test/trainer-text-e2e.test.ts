/**
 * The text classifier end to end, every part real: a slice of SpamAssassin
 * in an ingestion snapshot → CreateTrainingJob text_classifier (the runner
 * builds it with createModel, featurizes in the worker thread) → one
 * registry version with fp32 + fp16 + int8 and the `preprocess` tag →
 * Predict through the inference service (via the gateway) on ids a client
 * builds with the featurizer from that tag gives the classes tfjs gives.
 */
import { strict as assert } from 'node:assert';
import { common, registry, trainer } from '@l1g1/contracts';
import { unary } from '@l1g1/kit';
import { startTestIngestion, type TestIngestion } from '../../ingestion/test/support/start-ingestion';
import { http, startStack, type Stack } from '../../../test/support/stack';
import { readBlob } from '../src/adapters/blob-bytes';
import { modelFromCheckpoint } from '../src/domain/jobs/checkpoint-model';
import { featurizeRecord, padIdLists, parsePreprocessTag } from '@l1g1/features';
import { spamAssassinSnapshot } from './support/spam-assassin';
import { publishRecords } from './support/training-data';
import { startTestTrainer, type TestTrainer } from './support/start-trainer';
import { collectEvents } from './support/watch';

const SECRET = 'trainer-text-e2e-internal-secret';

describe('trainer end to end: a text classifier on SpamAssassin mails (ingestion → trainer → registry → inference)', function () {
  this.timeout(240_000);
  let ing: TestIngestion;
  let stack: Stack;
  let tr: TestTrainer;
  let test: Awaited<ReturnType<typeof spamAssassinSnapshot>>;

  before(async () => {
    // Every 20th mail: ~300 texts of both labels, split 80/20 stratified (metadata split = train / test).
    const records = await spamAssassinSnapshot(20);
    test = records.filter((r) => r.metadata['split'] === 'test');
    ing = await startTestIngestion({ env: { L1G1_INTERNAL_SECRET: SECRET } });
    await publishRecords(ing, 'spam-slice', records);
    stack = await startStack({ sharedEnv: { L1G1_INTERNAL_SECRET: SECRET } });
    tr = await startTestTrainer({ ingestionAddress: ing.service.address, registryAddress: stack.registryAddr, internalSecret: SECRET, dataDir: stack.dataDir });
  });
  after(async () => {
    await tr?.close();
    await stack?.stop();
    await ing?.close();
  });

  it('trains text_classifier, registers fp32 + fp16 + int8 with the preprocess tag, and the served model predicts as tfjs does', async () => {
    const spec = trainer.TrainingSpec.fromPartial({
      architecture: { architecture: { $case: 'textClassifier', value: { vocabSize: 1 << 14, embeddingDim: 16, wordNgramMax: 2 } } },
      data: { dataset: { name: 'spam-slice', snapshot: 0 }, validationSplit: 'test' },
      config: { epochs: 6, batchSize: 16, seed: 42, optimizer: { learningRate: 0.02 }, schedule: { warmupSteps: 0 }, checkpointEverySteps: 1000 },
      registerAs: { modelName: 'spam-text', variants: [common.Precision.PRECISION_FP16, common.Precision.PRECISION_INT8], alias: 'staging' },
    });
    const created = await unary(tr.client.createTrainingJob.bind(tr.client), { spec, idempotencyKey: 'text-e2e', tags: {} });
    const jobId = created.status?.jobId ?? '';
    const events = await collectEvents(tr.client, { jobId }, 200_000);
    const job = await unary(tr.client.getJob.bind(tr.client), { jobId });
    assert.equal(job.status?.state, common.JobState.JOB_STATE_SUCCEEDED, JSON.stringify(job.status?.error));

    // Every numeric field of the model's evaluate() comes back as val_<name>.
    const evaluations = events.flatMap((e) => (e.event?.$case === 'evaluation' ? [e.event.value.metrics] : []));
    const last = evaluations[evaluations.length - 1] ?? {};
    for (const name of ['val_loss', 'val_accuracy', 'val_macro_f1', 'val_examples']) assert.ok(last[name] !== undefined, `${name} in ${JSON.stringify(last)}`);
    assert.equal(last['val_examples'], test.length, 'validated on the test split');
    assert.ok((last['val_accuracy'] ?? 0) > 0.8, `val_accuracy ${last['val_accuracy']}`);

    // One version, three precisions, the model's tags beside the lineage.
    const versionNumber = job.registeredModel?.selector?.$case === 'version' ? job.registeredModel.selector.value : 0;
    const version = await unary(stack.registry.getVersion.bind(stack.registry), registry.GetVersionRequest.fromPartial({ modelName: 'spam-text', version: versionNumber }));
    assert.deepEqual(version.artifacts.map((a) => a.precision).sort(), [common.Precision.PRECISION_FP32, common.Precision.PRECISION_FP16, common.Precision.PRECISION_INT8].sort());
    assert.equal(version.tags['architecture'], 'text_classifier');
    assert.equal(version.tags['job_id'], jobId);
    assert.deepEqual(JSON.parse(version.tags['class_names'] ?? '[]'), ['ham', 'spam'], 'the class order, as the evaluator reads it');
    const preprocess = JSON.parse(version.tags['preprocess'] ?? '{}') as { vocab_size: number; word_ngram_max: number; char_ngram_min: number; char_ngram_max: number; lowercase: boolean; max_tokens: number; metadata_fields: string[] };
    assert.equal(preprocess.vocab_size, 1 << 14);
    assert.equal(version.artifacts[0]?.signature?.inputs[0]?.name, 'ngram_ids', 'the signature comes from the exported graph');

    // A client's ids, from the preprocess tag alone.
    const recipe = parsePreprocessTag(version.tags['preprocess'] ?? '');
    const ids = test.map((r) => featurizeRecord(r, recipe));
    const padded = padIdLists(ids);

    // tfjs's classes: the job's final checkpoint rebuilt through the library (binary: right or the other class).
    const result = await unary(tr.client.listCheckpoints.bind(tr.client), { jobId, page: { pageSize: 1000, pageToken: '' } });
    const final = result.checkpoints[result.checkpoints.length - 1];
    assert.ok(final, 'the job saved its final checkpoint');
    const model = modelFromCheckpoint(spec.architecture as trainer.ArchitectureSpec, await readBlob(tr.deps.blobs, final.sha256));
    const classNames = [...model.classNames];
    const tfjsClass = test.map((r, i) => {
      const truth = classNames.indexOf(r.metadata['label'] ?? '');
      return model.evaluate([{ ids: ids[i], label: truth }]).accuracy === 1 ? truth : 1 - truth;
    });
    model.dispose();

    const body = { inputs: [{ name: 'ngram_ids', datatype: 'INT64', shape: padded.dims, data: padded.data }] };
    for (const precision of ['fp32', 'fp16', 'int8']) {
      let res = await http(`${stack.gatewayUrl}/v1/models/spam-text@staging:predict`, { method: 'POST', headers: stack.authHeaders, json: { ...body, precision } });
      // A gateway shedding load on a busy test machine says when to come back; a bounded number of times.
      for (let attempt = 0; attempt < 5 && res.status === 503; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 1000 * Math.min(5, Number(res.headers.get('retry-after') ?? 1) || 1)));
        res = await http(`${stack.gatewayUrl}/v1/models/spam-text@staging:predict`, { method: 'POST', headers: stack.authHeaders, json: { ...body, precision } });
      }
      assert.equal(res.status, 200, `${precision}: ${JSON.stringify(res.body)}`);
      const probs: number[] = res.body.outputs[0].data;
      const served = test.map((_, i) => ((probs[i * 2 + 1] ?? 0) > (probs[i * 2] ?? 0) ? 1 : 0));
      const agree = served.filter((c, i) => c === tfjsClass[i]).length;
      if (precision === 'fp32') assert.deepEqual(served, tfjsClass, 'fp32 serves the classes tfjs predicts');
      // Quantised weights may flip a text on the decision boundary, not more.
      else assert.ok(agree >= 0.9 * test.length, `${precision}: ${agree}/${test.length} agree with tfjs`);
    }
  });

  it('ExportOnnx rebuilds a text classifier checkpoint through the library and exports its ngram_ids graph', async () => {
    const [job] = (await unary(tr.client.listJobs.bind(tr.client), trainer.ListJobsRequest.fromPartial({ modelName: 'spam-text' }))).jobs;
    assert.ok(job, 'the text job is listed by its model name');
    const res = await unary(tr.client.exportOnnx.bind(tr.client), trainer.ExportOnnxRequest.fromPartial({ jobId: job.status?.jobId ?? '', precision: common.Precision.PRECISION_INT8 }));
    assert.match(res.sha256, /^[0-9a-f]{64}$/);
    assert.equal(res.signature?.inputs[0]?.name, 'ngram_ids');
    assert.equal(res.signature?.outputs[0]?.name, 'probabilities');
  });
});
