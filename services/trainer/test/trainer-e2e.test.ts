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
import { buildDemoClassifier } from '@l1g1/onnx';
import { http, startStack, uploadModel, type Stack } from '../../../test/support/stack';
import { readBlob } from '../src/adapters/blob-bytes';
import { decodeCheckpoint } from '../src/checkpoint/checkpoint-format';
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
    // A succeeded job does not resume: FAILED_PRECONDITION naming job_id.
    const again = await unary(tr.client.resumeJob.bind(tr.client), { jobId, checkpointId: '', epochs: 0 }).catch((e: unknown) => e);
    assert.equal((again as { kind?: string }).kind, 'FAILED_PRECONDITION');
    assert.equal((again as { field?: string }).field, 'job_id');
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
      listed.checkpoints.map((c) => c.id).sort(),
      saved.map((c) => c.id).sort(),
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
    assert.equal(version.tags['class_names'], '["neg","pos"]', 'the class order, as the evaluator reads it');
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

  it('ExportOnnx writes a checkpoint as ONNX and registers it as a new version', async () => {
    const [job] = (await unary(tr.client.listJobs.bind(tr.client), trainer.ListJobsRequest.fromPartial({ modelName: 'points-mlp' }))).jobs;
    assert.ok(job, 'the registered job is listed by its model name');
    const jobId = job.status?.jobId ?? '';
    const res = await unary(tr.client.exportOnnx.bind(tr.client), trainer.ExportOnnxRequest.fromPartial({ jobId, precision: common.Precision.PRECISION_FP32, register: true }));
    assert.match(res.sha256, /^[0-9a-f]{64}$/);
    assert.ok(res.sizeBytes > 0 && res.checkpointId);
    assert.equal(res.signature?.inputs[0]?.name, 'features');
    assert.deepEqual(res.signature?.inputs[0]?.shape, [-1, 4]);
    assert.equal(res.registeredModel?.name, 'points-mlp');
    assert.equal(res.registeredModel?.selector?.$case === 'version' ? res.registeredModel.selector.value : 0, 2, 'a second version');
    const bad = await unary(tr.client.exportOnnx.bind(tr.client), trainer.ExportOnnxRequest.fromPartial({ jobId, precision: 9 as common.Precision })).catch((e: unknown) => e);
    assert.equal((bad as { kind?: string }).kind, 'INVALID_ARGUMENT');
    assert.equal((bad as { field?: string }).field, 'precision');
  });

  it('LoRA fine-tunes the registered base: only adapters train, the merged model registers with its parameter count and base lineage, and serves', async () => {
    const spec = trainer.TrainingSpec.fromPartial({
      // No architecture: the base job's is rebuilt from its checkpoint.
      data: { dataset: { name: 'points', snapshot: 0 } },
      config: { epochs: 2, batchSize: 16, optimizer: trainer.OptimizerConfig.fromPartial({ learningRate: 0.05 }), schedule: trainer.LrSchedule.fromPartial({ warmupSteps: 0 }) },
      baseModel: { name: 'points-mlp', selector: { $case: 'alias', value: 'staging' } },
      lora: { rank: 2, alpha: 4, targetLayers: ['logits'], mergeOnExport: true },
      registerAs: { modelName: 'points-lora', alias: 'staging' },
    });
    const created = await unary(tr.client.createTrainingJob.bind(tr.client), { spec, idempotencyKey: 'lora', tags: {} });
    assert.equal(created.spec?.architecture?.architecture?.$case, 'mlp', "the base's architecture");
    assert.deepEqual(created.spec?.baseModel?.selector, { $case: 'version', value: 1 }, 'the base is pinned to its version');
    const jobId = created.status?.jobId ?? '';
    await collectEvents(tr.client, { jobId });
    const job = await unary(tr.client.getJob.bind(tr.client), { jobId });
    assert.equal(job.status?.state, common.JobState.JOB_STATE_SUCCEEDED, JSON.stringify(job.status?.error));

    // Only the adapters were trained: the job's checkpoints hold A and B of `logits`, no base weight.
    const checkpoints = (await unary(tr.client.listCheckpoints.bind(tr.client), { jobId, page: { pageSize: 100, pageToken: '' } })).checkpoints;
    const final = checkpoints[checkpoints.length - 1];
    assert.ok(final);
    const file = decodeCheckpoint(await readBlob(tr.deps.blobs, final.sha256));
    const trained = file.tensors.filter((t) => t.group === 'weights').map((t) => t.name).sort();
    assert.deepEqual(trained, ['dense_1/lora_a', 'dense_1/lora_b']);

    const versionNumber = job.registeredModel?.selector?.$case === 'version' ? job.registeredModel.selector.value : 0;
    const version = await unary(stack.registry.getVersion.bind(stack.registry), registry.GetVersionRequest.fromPartial({ modelName: 'points-lora', version: versionNumber }));
    // rank · (in + out) over the one target: 2 · (8 + 2).
    assert.equal(version.metrics['adapter_parameters'], 20);
    assert.equal(version.tags['lora_adapter_parameters'], '20');
    assert.equal(version.tags['base_model'], 'points-mlp@1');
    assert.equal(version.lineage?.parent?.name, 'points-mlp');
    assert.deepEqual(version.lineage?.parent?.selector, { $case: 'version', value: 1 });
    const body = { inputs: [{ name: 'features', datatype: 'FP32', shape: [2, 4], data: [1, 1, 1, 1, -1, -1, -1, -1] }] };
    const res = await http(`${stack.gatewayUrl}/v1/models/points-lora@staging:predict`, { method: 'POST', headers: stack.authHeaders, json: body });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const probs: number[] = res.body.outputs[0].data;
    assert.ok((probs[1] ?? 0) > 0.5 && (probs[2] ?? 0) > 0.5, JSON.stringify(probs));
  });

  it('registers the adapter alone (merge_on_export false): a graph input → (alpha/rank)·x·A·B of the one target, with the base named', async () => {
    const lora = (targetLayers: string[]) =>
      trainer.TrainingSpec.fromPartial({
        data: { dataset: { name: 'points', snapshot: 0 } },
        config: { epochs: 1, batchSize: 16, optimizer: trainer.OptimizerConfig.fromPartial({ learningRate: 0.05 }), schedule: trainer.LrSchedule.fromPartial({ warmupSteps: 0 }) },
        baseModel: { name: 'points-mlp', selector: { $case: 'version', value: 1 } },
        lora: { rank: 2, alpha: 4, targetLayers, mergeOnExport: false },
        registerAs: { modelName: 'points-adapter' },
      });
    // Every dense layer (hidden_0 and logits): one adapter graph cannot hold two layers' deltas.
    const refused = await unary(tr.client.createTrainingJob.bind(tr.client), { spec: lora([]), idempotencyKey: 'adapter-two', tags: {} }).catch((e: unknown) => e as { kind?: string; field?: string });
    assert.equal((refused as { kind?: string }).kind, 'INVALID_ARGUMENT');
    assert.equal((refused as { field?: string }).field, 'spec.lora.target_layers');

    // Before: INVALID_ARGUMENT naming spec.lora.merge_on_export (not implemented).
    const created = await unary(tr.client.createTrainingJob.bind(tr.client), { spec: lora(['logits']), idempotencyKey: 'adapter', tags: {} });
    const jobId = created.status?.jobId ?? '';
    await collectEvents(tr.client, { jobId });
    const job = await unary(tr.client.getJob.bind(tr.client), { jobId });
    assert.equal(job.status?.state, common.JobState.JOB_STATE_SUCCEEDED, JSON.stringify(job.status?.error));
    const versionNumber = job.registeredModel?.selector?.$case === 'version' ? job.registeredModel.selector.value : 0;
    const version = await unary(stack.registry.getVersion.bind(stack.registry), registry.GetVersionRequest.fromPartial({ modelName: 'points-adapter', version: versionNumber }));
    const signature = version.artifacts[0]?.signature;
    assert.equal(signature?.inputs[0]?.name, 'input');
    // The logits layer's input: the hidden layer's 8 units.
    assert.deepEqual(signature?.inputs[0]?.shape.slice(1), [8]);
    assert.equal(signature?.outputs[0]?.name, 'delta');
    assert.deepEqual(signature?.outputs[0]?.shape.slice(1), [2]);
    assert.equal(version.metrics['adapter_parameters'], 20);
    assert.equal(version.tags['lora_export'], 'adapter');
    assert.equal(version.tags['lora_layer'], 'logits', "the architecture's layer name, as the spec names it");
    assert.equal(version.tags['base_model'], 'points-mlp@1');
    assert.equal(version.tags['preprocess'], undefined, "the base's serving recipe does not apply to the adapter's input");
  });

  it('refuses LoRA on a base this trainer did not produce with FAILED_PRECONDITION naming spec.base_model, and queues nothing', async () => {
    await uploadModel(stack.registry, 'foreign', buildDemoClassifier(), { alias: 'staging' });
    const before = (await unary(tr.client.listJobs.bind(tr.client), trainer.ListJobsRequest.fromPartial({}))).jobs.length;
    const spec = trainer.TrainingSpec.fromPartial({
      data: { dataset: { name: 'points', snapshot: 0 } },
      config: { epochs: 1, batchSize: 16 },
      baseModel: { name: 'foreign', selector: { $case: 'alias', value: 'staging' } },
      lora: { rank: 2, targetLayers: [] },
    });
    const err = (await unary(tr.client.createTrainingJob.bind(tr.client), { spec, idempotencyKey: '', tags: {} }).catch((e: unknown) => e)) as { kind?: string; field?: string; message?: string };
    assert.equal(err.kind, 'FAILED_PRECONDITION', err.message);
    assert.equal(err.field, 'spec.base_model');
    assert.equal((await unary(tr.client.listJobs.bind(tr.client), trainer.ListJobsRequest.fromPartial({}))).jobs.length, before);
  });

  it('a cancelled job keeps its checkpoints and ResumeJob continues from the last one', async () => {
    const spec = mlpSpec('points', { config: { epochs: 400, batchSize: 4, checkpointEverySteps: 10 } });
    const created = await unary(tr.client.createTrainingJob.bind(tr.client), { spec, idempotencyKey: 'to-cancel', tags: {} });
    const jobId = created.status?.jobId ?? '';
    // Cancel once the second checkpoint is announced.
    const seen: trainer.TrainingEvent[] = [];
    const call = tr.client.watchJob({ jobId, afterSequence: 0 });
    await new Promise<void>((resolve, reject) => {
      call.on('data', (e: trainer.TrainingEvent) => {
        seen.push(e);
        if (seen.filter((x) => x.event?.$case === 'checkpointSaved').length === 2) resolve();
      });
      call.on('error', reject);
      call.on('end', () => reject(new Error('ended before two checkpoints')));
    });
    await unary(tr.client.cancelJob.bind(tr.client), { jobId });
    const events = await collectEvents(tr.client, { jobId, afterSequence: seen[seen.length - 1]?.sequence ?? 0 });
    call.cancel();
    const cancelled = await unary(tr.client.getJob.bind(tr.client), { jobId });
    assert.equal(cancelled.status?.state, common.JobState.JOB_STATE_CANCELLED, JSON.stringify(cancelled.status));
    assert.ok((cancelled.progress?.step ?? 0) < (cancelled.progress?.totalSteps ?? 0), 'stopped before the end');
    const checkpoints = (await unary(tr.client.listCheckpoints.bind(tr.client), { jobId, page: { pageSize: 1000, pageToken: '' } })).checkpoints;
    const last = checkpoints[checkpoints.length - 1];
    assert.ok(last && checkpoints.length >= 2, 'checkpoints survive the cancel');
    assert.ok(events.length > 0);

    // Two resumes at once: the job runs again exactly once, under its own id.
    const tries = await Promise.allSettled([0, 1].map(() => unary(tr.client.resumeJob.bind(tr.client), { jobId, checkpointId: '', epochs: 0 })));
    const won = tries.flatMap((t) => (t.status === 'fulfilled' ? [t.value] : []));
    assert.equal(won.length, 1, 'exactly one resume wins');
    for (const t of tries) if (t.status === 'rejected') assert.equal((t.reason as { kind?: string }).kind, 'FAILED_PRECONDITION');
    const resumed = won[0]!;
    assert.equal(resumed.status?.jobId, jobId, 'ResumeJob keeps the job id');
    assert.equal(resumed.resumedFromCheckpoint, last.id);
    assert.equal(resumed.status?.attempts, cancelled.status?.attempts, 'the attempts made so far are kept');
    // The same event log goes on: watched from where the cancelled run's log ended.
    const endOfFirstRun = events[events.length - 1]?.sequence ?? 0;
    const firstStep = await new Promise<number>((resolve, reject) => {
      const c = tr.client.watchJob({ jobId, afterSequence: endOfFirstRun });
      c.on('data', (e: trainer.TrainingEvent) => {
        if (e.event?.$case === 'step' && e.event.value.progress) {
          c.cancel();
          resolve(e.event.value.progress.step);
        }
      });
      c.on('error', (err: Error & { code?: number }) => (err.code === 1 ? undefined : reject(err)));
    });
    assert.ok(firstStep > last.step, `the resumed run's first step ${firstStep} comes after checkpoint step ${last.step}`);
    // A running job does not resume: FAILED_PRECONDITION naming job_id.
    const running = await unary(tr.client.resumeJob.bind(tr.client), { jobId, checkpointId: '', epochs: 0 }).catch((e: unknown) => e);
    assert.equal((running as { kind?: string }).kind, 'FAILED_PRECONDITION');
    assert.equal((running as { field?: string }).field, 'job_id');
    await unary(tr.client.cancelJob.bind(tr.client), { jobId });
    const trail = await collectEvents(tr.client, { jobId });
    const states = trail.flatMap((e) => (e.event?.$case === 'status' ? [e.event.value.state] : []));
    const C = common.JobState;
    assert.deepEqual(states.slice(0, 3), [C.JOB_STATE_QUEUED, C.JOB_STATE_RUNNING, C.JOB_STATE_CANCELLED]);
    assert.equal(states.at(-1), C.JOB_STATE_CANCELLED, 'one log: the first run, the resume, the second run to its end');
    assert.ok(states.slice(3).includes(C.JOB_STATE_QUEUED) && states.slice(3).includes(C.JOB_STATE_RUNNING), 'queued and running again after the resume');
  });
});

