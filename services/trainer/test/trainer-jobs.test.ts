/**
 * Training jobs through real gRPC: a real ingestion service holding real
 * snapshots, a real trainer. Creation checks the whole spec before anything
 * is queued (bad configs name their field and leave no job behind), pins the
 * snapshot, and the job can be listed, cancelled and watched.
 */
import { strict as assert } from 'node:assert';
import { common, trainer } from '@l1g1/contracts';
import { L1g1Error, unary } from '@l1g1/kit';
import { startTestIngestion, TEST_INTERNAL_SECRET, type TestIngestion } from '../../ingestion/test/support/start-ingestion';
import { startTestTrainer, type TestTrainer } from './support/start-trainer';
import { mlpSpec, publishRecords, separableRecords } from './support/training-data';
import { collectEvents } from './support/watch';
import { TEXT_CLASSIFIER_TRAINING } from '../src/models';

async function refusal(p: Promise<unknown>): Promise<L1g1Error> {
  try {
    await p;
  } catch (err: unknown) {
    assert.ok(err instanceof L1g1Error, `expected an L1g1Error, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to be refused');
}

/** Specs of architectures other engineers are adding to the library (valid fields: only the missing builder refuses them). */
const UNBUILT = [
  { architecture: { $case: 'gru' as const, value: trainer.GruSpec.fromPartial({ inputDim: 4, hiddenSize: 4, numLayers: 1 }) } },
  { architecture: { $case: 'cnn' as const, value: trainer.CnnSpec.fromPartial({ inputHeight: 8, inputWidth: 8, inputChannels: 1, convLayers: [{ filters: 4, kernelSize: 3, stride: 1, poolSize: 0 }], denseUnits: [8] }) } },
];

describe('trainer jobs (real ingestion + trainer over gRPC)', function () {
  this.timeout(60_000);
  let ing: TestIngestion;
  let tr: TestTrainer;
  let version: number;

  before(async () => {
    ing = await startTestIngestion();
    version = await publishRecords(ing, 'points', separableRecords(40, 4));
    await publishRecords(ing, 'unlabelled', separableRecords(10, 4, { labelled: false }));
    tr = await startTestTrainer({ ingestionAddress: ing.service.address, internalSecret: TEST_INTERNAL_SECRET });
  });
  after(async () => {
    await tr?.close();
    await ing?.close();
  });

  const create = (spec: trainer.TrainingSpec, extra: Partial<trainer.CreateTrainingJobRequest> = {}) =>
    unary(tr.client.createTrainingJob.bind(tr.client), trainer.CreateTrainingJobRequest.fromPartial({ spec, ...extra }));
  const list = () => unary(tr.client.listJobs.bind(tr.client), trainer.ListJobsRequest.fromPartial({}));

  it('answers a created job with every default written out and the snapshot pinned', async () => {
    const job = await create(mlpSpec('points'), { idempotencyKey: 'defaults-1' });
    const c = job.spec?.config;
    assert.equal(job.spec?.data?.dataset?.snapshot, version, 'snapshot 0 is pinned to the latest number');
    assert.equal(c?.optimizer?.kind, trainer.OptimizerKind.OPTIMIZER_KIND_ADAMW);
    assert.equal(c?.optimizer?.learningRate, 5e-5);
    assert.equal(c?.optimizer?.beta2, 0.98);
    assert.equal(c?.optimizer?.weightDecay, 0.01);
    assert.equal(c?.seed, 42);
    assert.equal(c?.schedule?.warmupSteps, 1000);
    assert.equal(job.spec?.data?.labelField, 'label');
    assert.equal(job.status?.kind, 'trainer.train');
    const again = await create(mlpSpec('points'), { idempotencyKey: 'defaults-1' });
    assert.equal(again.status?.jobId, job.status?.jobId, 'the same idempotency key answers the same job');
    await unary(tr.client.cancelJob.bind(tr.client), { jobId: job.status?.jobId ?? '' });
  });

  it("gives a text_classifier job sent without lr, warmup and epochs its architecture's recipe (TEXT_CLASSIFIER_TRAINING), shown in the resolved spec", async () => {
    const spec = trainer.TrainingSpec.fromPartial({
      architecture: { architecture: { $case: 'textClassifier', value: {} } },
      data: { dataset: { name: 'points', snapshot: 0 } },
      config: { epochs: 0, batchSize: 32 },
    });
    const job = await create(spec, { idempotencyKey: 'text-recipe' });
    const c = job.spec?.config;
    // Not the general 5e-5 / 1,000-warmup defaults, which leave a fresh text classifier at chance.
    assert.equal(c?.epochs, TEXT_CLASSIFIER_TRAINING.epochs);
    assert.equal(c?.optimizer?.learningRate, TEXT_CLASSIFIER_TRAINING.learningRate);
    assert.equal(c?.optimizer?.weightDecay, TEXT_CLASSIFIER_TRAINING.weightDecay);
    assert.equal(c?.schedule?.warmupSteps, TEXT_CLASSIFIER_TRAINING.warmupSteps);
    assert.equal(c?.schedule?.minLearningRate, TEXT_CLASSIFIER_TRAINING.minLearningRate);
    await unary(tr.client.cancelJob.bind(tr.client), { jobId: job.status?.jobId ?? '' });

    // A value the client sets wins over the recipe.
    const own = await create(trainer.TrainingSpec.fromPartial({ ...spec, config: { epochs: 3, batchSize: 32, optimizer: { learningRate: 0.001 }, schedule: { warmupSteps: 5 } } }), { idempotencyKey: 'text-recipe-own' });
    assert.equal(own.spec?.config?.epochs, 3);
    assert.equal(own.spec?.config?.optimizer?.learningRate, 0.001);
    assert.equal(own.spec?.config?.schedule?.warmupSteps, 5);
    assert.equal(own.spec?.config?.schedule?.minLearningRate, 0.0005, "the recipe's floor, below the client's peak");
    await unary(tr.client.cancelJob.bind(tr.client), { jobId: own.status?.jobId ?? '' });
  });

  const badConfigs: { title: string; spec: () => trainer.TrainingSpec; field: string }[] = [
    {
      title: 'an unknown optimizer',
      spec: () => mlpSpec('points', { config: { optimizer: trainer.OptimizerConfig.fromPartial({ kind: 42 as trainer.OptimizerKind }) } }),
      field: 'spec.config.optimizer.kind',
    },
    { title: 'batch size 0', spec: () => mlpSpec('points', { config: { batchSize: 0 } }), field: 'spec.config.batch_size' },
    { title: 'epochs 0', spec: () => mlpSpec('points', { config: { epochs: 0 } }), field: 'spec.config.epochs' },
    { title: 'a snapshot without labels', spec: () => mlpSpec('unlabelled'), field: 'spec.data.label_field' },
    {
      title: 'a LoRA target that is not a dense layer',
      spec: () =>
        trainer.TrainingSpec.fromPartial({
          ...mlpSpec('points'),
          architecture: {
            architecture: { $case: 'cnn', value: { inputHeight: 8, inputWidth: 8, inputChannels: 1, convLayers: [{ filters: 4, kernelSize: 3, stride: 1, poolSize: 0 }], denseUnits: [8] } },
          },
          baseModel: { name: 'base', selector: undefined },
          lora: { rank: 4, targetLayers: ['conv_0'] },
        }),
      field: 'spec.lora.target_layers[0]',
    },
    {
      // Every oneof case has an entry now; a GRU sequence classifier (no language_model) is the one shape still refused.
      title: 'a GRU sequence classifier (the library builds the GRU language model only)',
      spec: () => trainer.TrainingSpec.fromPartial({ ...mlpSpec('points'), architecture: UNBUILT[0] }),
      field: 'spec.architecture.gru.language_model',
    },
    {
      title: 'a text classifier field out of range (checked by the library)',
      spec: () => trainer.TrainingSpec.fromPartial({ ...mlpSpec('points'), architecture: { architecture: { $case: 'textClassifier', value: { vocabSize: 1, embeddingDim: 8 } } } }),
      field: 'spec.architecture.text_classifier.vocab_size',
    },
    {
      title: 'an mlp without an input size (checked by the library)',
      spec: () => trainer.TrainingSpec.fromPartial({ ...mlpSpec('points'), architecture: { architecture: { $case: 'mlp', value: { inputDim: 0, hiddenUnits: [8] } } } }),
      field: 'spec.architecture.mlp.input_dim',
    },
    { title: 'no dataset', spec: () => trainer.TrainingSpec.fromPartial({ ...mlpSpec('points'), data: {} }), field: 'spec.data.dataset' },
  ];

  for (const bad of badConfigs) {
    it(`refuses ${bad.title} with INVALID_ARGUMENT naming ${bad.field}, and queues nothing`, async () => {
      const before = (await list()).jobs.length;
      const err = await refusal(create(bad.spec()));
      assert.equal(err.kind, 'INVALID_ARGUMENT', err.message);
      assert.equal(err.field, bad.field, err.message);
      assert.equal((await list()).jobs.length, before, 'no job was created');
    });
  }

  it("trains with the spec's optimizer and schedule (sgd with momentum, a linear schedule) to the end", async () => {
    const spec = mlpSpec('points', {
      config: { epochs: 2, batchSize: 8, optimizer: trainer.OptimizerConfig.fromPartial({ kind: trainer.OptimizerKind.OPTIMIZER_KIND_SGD, learningRate: 0.1, momentum: 0.9 }), schedule: trainer.LrSchedule.fromPartial({ kind: trainer.ScheduleKind.SCHEDULE_KIND_LINEAR, warmupSteps: 0 }) },
    });
    const job = await create(spec, { idempotencyKey: 'sgd-linear' });
    assert.equal(job.spec?.config?.optimizer?.kind, trainer.OptimizerKind.OPTIMIZER_KIND_SGD);
    assert.equal(job.spec?.config?.optimizer?.momentum, 0.9);
    assert.equal(job.spec?.config?.optimizer?.weightDecay, 0, 'sgd decays nothing unless asked');
    assert.equal(job.spec?.config?.schedule?.kind, trainer.ScheduleKind.SCHEDULE_KIND_LINEAR);
    const id = job.status?.jobId ?? '';
    const events = await collectEvents(tr.client, { jobId: id });
    const done = await unary(tr.client.getJob.bind(tr.client), { jobId: id });
    assert.equal(done.status?.state, common.JobState.JOB_STATE_SUCCEEDED, JSON.stringify(done.status?.error));
    // A linear decay from 0.1 to 0: the last step's rate is below the first's.
    const rates = events.flatMap((e) => (e.event?.$case === 'step' && e.event.value.progress && e.event.value.progress.step > 0 ? [e.event.value.progress.learningRate] : []));
    assert.ok(rates.length > 0 && (rates[rates.length - 1] ?? 1) < 0.1, JSON.stringify(rates));
  });

  it('refuses SGD momentum outside [0, 1), momentum on Adam, and a non-AdamW optimizer for the text classifier, naming the field', async () => {
    const withOptimizer = (o: Partial<trainer.OptimizerConfig>) => mlpSpec('points', { config: { optimizer: trainer.OptimizerConfig.fromPartial(o) } });
    assert.equal((await refusal(create(withOptimizer({ kind: trainer.OptimizerKind.OPTIMIZER_KIND_SGD, momentum: 1 })))).field, 'spec.config.optimizer.momentum');
    assert.equal((await refusal(create(withOptimizer({ kind: trainer.OptimizerKind.OPTIMIZER_KIND_ADAM, momentum: 0.5 })))).field, 'spec.config.optimizer.momentum');
    const text = trainer.TrainingSpec.fromPartial({
      ...withOptimizer({ kind: trainer.OptimizerKind.OPTIMIZER_KIND_SGD }),
      architecture: { architecture: { $case: 'textClassifier', value: trainer.TextClassifierSpec.fromPartial({}) } },
    });
    const refused = await refusal(create(text));
    assert.equal(refused.kind, 'INVALID_ARGUMENT');
    assert.equal(refused.field, 'spec.config.optimizer.kind');
  });

  it('answers NOT_FOUND for a dataset ingestion does not have', async () => {
    const err = await refusal(create(mlpSpec('no-such-dataset')));
    assert.equal(err.kind, 'NOT_FOUND');
  });

  it('cancels a job and its watch replays from queued to cancelled, ending there', async () => {
    // Long enough that the cancel lands before the run ends, whether it is still queued or already running.
    const job = await create(mlpSpec('points', { config: { epochs: 10_000 } }), { idempotencyKey: 'cancel-1' });
    const id = job.status?.jobId ?? '';
    const cancelled = await unary(tr.client.cancelJob.bind(tr.client), { jobId: id });
    assert.ok(cancelled.status?.cancelRequested || cancelled.status?.state === common.JobState.JOB_STATE_CANCELLED);
    const events = await collectEvents(tr.client, { jobId: id, afterSequence: 0 });
    const states = events.flatMap((e) => (e.event?.$case === 'status' ? [e.event.value.state] : []));
    assert.equal(states[0], common.JobState.JOB_STATE_QUEUED);
    assert.equal(states[states.length - 1], common.JobState.JOB_STATE_CANCELLED);
    assert.equal(events[events.length - 1]?.event?.$case, 'status', 'the stream ends with the terminal status');
    const first = events[0];
    assert.ok(first);
    const rest = await collectEvents(tr.client, { jobId: id, afterSequence: first.sequence });
    assert.deepEqual(
      rest.map((e) => e.sequence),
      events.slice(1).map((e) => e.sequence),
      'after_sequence replays only the later events',
    );
  });

  it('refuses GetJob of an unknown id with NOT_FOUND and an empty id with INVALID_ARGUMENT naming job_id', async () => {
    assert.equal((await refusal(unary(tr.client.getJob.bind(tr.client), { jobId: '00000000-0000-4000-8000-000000000000' }))).kind, 'NOT_FOUND');
    const err = await refusal(unary(tr.client.getJob.bind(tr.client), { jobId: '' }));
    assert.equal(err.kind, 'INVALID_ARGUMENT');
    assert.equal(err.field, 'job_id');
  });
});
