/**
 * A small training job end to end, every part real: records in an ingestion
 * snapshot → a trainer job (MLP, 2 epochs, in a worker thread) → checkpoints
 * in the blob store with rows → ONNX fp32 + fp16 + int8 registered as one
 * version with lineage → served by the inference service through the gateway.
 */
import { strict as assert } from 'node:assert';
import { common, registry, trainer } from '@l1g1/contracts';
import { unary } from '@l1g1/kit';
import { startTestIngestion, type TestIngestion } from '../../ingestion/test/support/start-ingestion';
import { http, startStack, type Stack } from '../../../test/support/stack';
import { startTestTrainer, type TestTrainer } from './support/start-trainer';
import { mlpSpec, publishRecords, separableRecords } from './support/training-data';
import { collectEvents } from './support/watch';

const SECRET = 'trainer-e2e-internal-secret';

describe('trainer end to end (ingestion → trainer → registry → inference)', function () {
  this.timeout(180_000);
  let ing: TestIngestion;
  let stack: Stack;
  let tr: TestTrainer;

  before(async () => {
    ing = await startTestIngestion({ env: { L1G1_INTERNAL_SECRET: SECRET } });
    await publishRecords(ing, 'points', separableRecords(200, 4, { validationEvery: 5 }));
    stack = await startStack({ sharedEnv: { L1G1_INTERNAL_SECRET: SECRET } });
    tr = await startTestTrainer({ ingestionAddress: ing.service.address, registryAddress: stack.registryAddr, internalSecret: SECRET, dataDir: stack.dataDir });
  });
  after(async () => {
    await tr?.close();
    await stack?.stop();
    await ing?.close();
  });

  it('trains 2 epochs, checkpoints, registers fp32 + fp16 + int8 with lineage, and the variants serve', async () => {
    const spec = mlpSpec('points', {
      config: { epochs: 2, batchSize: 16, checkpointEverySteps: 5, optimizer: trainer.OptimizerConfig.fromPartial({ learningRate: 0.05 }), schedule: trainer.LrSchedule.fromPartial({ warmupSteps: 2 }) },
    });
    spec.registerAs = trainer.RegisterAs.fromPartial({ modelName: 'points-mlp', variants: [common.Precision.PRECISION_FP16, common.Precision.PRECISION_INT8], alias: 'staging' });
    const created = await unary(tr.client.createTrainingJob.bind(tr.client), { spec, idempotencyKey: 'e2e', tags: {} });
    const jobId = created.status?.jobId ?? '';

    const events = await collectEvents(tr.client, { jobId });
    const last = events[events.length - 1];
    const job = await unary(tr.client.getJob.bind(tr.client), { jobId });
    assert.equal(job.status?.state, common.JobState.JOB_STATE_SUCCEEDED, JSON.stringify(job.status?.error));
    assert.equal(last?.event?.$case, 'status', 'the stream ends with the terminal status');

    // Progress: steps with loss, learning rate and samples/s; evaluations; checkpoints.
    const steps = events.flatMap((e) => (e.event?.$case === 'step' && e.event.value.progress && e.event.value.progress.step > 0 ? [e.event.value.progress] : []));
    assert.ok(steps.length > 0, 'step events were streamed');
    const finalStep = steps[steps.length - 1];
    assert.equal(finalStep?.step, finalStep?.totalSteps);
    assert.ok((finalStep?.learningRate ?? 0) >= 0 && (finalStep?.samplesPerSecond ?? 0) > 0);
    const evaluations = events.flatMap((e) => (e.event?.$case === 'evaluation' ? [e.event.value] : []));
    assert.ok(evaluations.length >= 2, 'evaluated after each epoch');
    const lastEval = evaluations[evaluations.length - 1];
    assert.ok((lastEval?.metrics['val_accuracy'] ?? 0) > 0.8, `val_accuracy ${lastEval?.metrics['val_accuracy']}`);
    const saved = events.flatMap((e) => (e.event?.$case === 'checkpointSaved' ? [e.event.value] : []));
    const listed = await unary(tr.client.listCheckpoints.bind(tr.client), { jobId, page: { pageSize: 100, pageToken: '' } });
    assert.deepEqual(
      listed.checkpoints.map((c) => c.id),
      saved.map((c) => c.id),
      'every streamed checkpoint has a row',
    );
    assert.ok(listed.checkpoints.length >= 3, `checkpoints every 5 steps of ${finalStep?.totalSteps}`);
    assert.ok(listed.checkpoints.every((c) => /^[0-9a-f]{64}$/.test(c.sha256) && c.sizeBytes > 0 && c.uri.startsWith('l1g1://blobs/sha256/')));

    // Registered: one version with the three precisions, metrics and lineage.
    assert.equal(job.registeredModel?.name, 'points-mlp');
    const versionNumber = job.registeredModel?.selector?.$case === 'version' ? job.registeredModel.selector.value : 0;
    const version = await unary(stack.registry.getVersion.bind(stack.registry), registry.GetVersionRequest.fromPartial({ modelName: 'points-mlp', version: versionNumber }));
    assert.deepEqual(version.artifacts.map((a) => a.precision).sort(), [common.Precision.PRECISION_FP32, common.Precision.PRECISION_FP16, common.Precision.PRECISION_INT8].sort());
    assert.equal(version.tags['snapshot'], `points@${job.spec?.data?.dataset?.snapshot}`);
    assert.equal(version.tags['job_id'], jobId);
    assert.ok(version.tags['backend'], 'the backend is in the lineage tags');
    assert.ok(version.tags['code_version'], 'the code version is in the lineage tags');
    assert.equal(version.lineage?.trainingJobId, jobId);
    assert.equal(version.lineage?.dataset?.name, 'points');
    assert.equal(JSON.parse(version.lineage?.params['config'] ?? '{}').epochs, 2);
    assert.ok(version.metrics['val_accuracy'] !== undefined, 'validation metrics are version metrics');
    assert.ok(version.aliases.includes('staging'));

    // Served by inference, in each precision: x with a positive sum is "pos".
    const body = { inputs: [{ name: 'features', datatype: 'FP32', shape: [2, 4], data: [1, 1, 1, 1, -1, -1, -1, -1] }] };
    for (const precision of ['fp32', 'fp16', 'int8']) {
      const res = await http(`${stack.gatewayUrl}/v1/models/points-mlp@staging:predict`, { method: 'POST', headers: stack.authHeaders, json: { ...body, precision } });
      assert.equal(res.status, 200, `${precision}: ${JSON.stringify(res.body)}`);
      const probs: number[] = res.body.outputs[0].data;
      // class_names sorted: ["neg", "pos"]
      assert.ok((probs[1] ?? 0) > 0.5 && (probs[2] ?? 0) > 0.5, `${precision}: ${JSON.stringify(probs)}`);
    }
  });
});
