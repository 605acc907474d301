/**
 * The point of exporting an image project: the trainer trains its CNN on
 * the snapshot. Everything real — PNGs uploaded through ingestion, imported
 * as tasks of a labeling project, labelled by two annotators, exported with
 * ExportToSnapshot, and a CreateTrainingJob on the exported snapshot that
 * registers a version whose classes are the project's.
 */
import { strict as assert } from 'node:assert';
import { common, labeling, registry, trainer } from '@l1g1/contracts';
import { unary } from '@l1g1/kit';
import sharp from 'sharp';
import { ingest, ingestHeader } from '../../ingestion/test/support/ingest-client';
import { startTrainingStack, type TrainingStack } from '../../trainer/test/support/training-stack';
import { collectEvents } from '../../trainer/test/support/watch';
import { awaitJob } from './support/await-job';
import { calls, cls, labelClass } from './support/calls';
import { startTestLabeling, type TestLabeling } from './support/start-labeling';

const SECRET = 'labeling-export-cnn-internal-secret';

/** An 8×8 RGB PNG, mostly red or mostly blue, with a little per-image noise (no two files alike). */
function swatch(red: boolean, i: number): Promise<Buffer> {
  const px = Buffer.alloc(8 * 8 * 3);
  for (let p = 0; p < 64; p++) {
    const noise = (i * 13 + p * 7) % 30;
    px[p * 3] = red ? 200 + noise : noise;
    px[p * 3 + 1] = noise;
    px[p * 3 + 2] = red ? noise : 200 + noise;
  }
  return sharp(px, { raw: { width: 8, height: 8, channels: 3 } }).png().toBuffer();
}

describe('labeling → snapshot → trainer: a CNN trains on an exported image project (real services)', function () {
  this.timeout(180_000);
  let all: TrainingStack;
  let lab: TestLabeling;
  before(async () => {
    all = await startTrainingStack(SECRET);
    lab = await startTestLabeling({ ingestionAddress: all.ing.service.address, internalSecret: SECRET });
  });
  after(async () => {
    await lab?.close();
    await all?.close();
  });

  it('trains and registers a CNN whose class names are the project classes', async () => {
    const files = await Promise.all(Array.from({ length: 16 }, async (_, i) => ({ name: `swatch-${i}.png`, bytes: await swatch(i % 2 === 0, i), recordMetadata: { n: String(i) } })));
    const up = await ingest(all.ing.client, ingestHeader({ dataset: 'swatch-source' }), files);
    assert.ok(up.ok, up.ok ? '' : up.error.message);

    const api = calls(lab.client);
    const p = await api.createProject({ name: 'colours', labelConfig: { taskType: labeling.TaskType.TASK_TYPE_CLASSIFICATION, classes: [labelClass('red'), labelClass('blue')], annotationsPerTask: 2 } });
    assert.equal((await api.importTasks({ projectId: p.id, snapshot: { name: 'swatch-source', snapshot: 0 } })).imported, 16);
    for (const t of (await api.listTasks({ projectId: p.id, page: { pageSize: 100, pageToken: '' } })).tasks) {
      const colour = Number(t.record?.metadata['n']) % 2 === 0 ? 'red' : 'blue';
      await api.submit({ taskId: t.id, annotator: 'ann', value: cls(colour) });
      await api.submit({ taskId: t.id, annotator: 'bob', value: cls(colour) });
    }
    const exported = await awaitJob(api, (await api.exportToSnapshot({ projectId: p.id, dataset: 'swatch-labels' })).status?.jobId ?? '');
    assert.equal(exported.status?.state, common.JobState.JOB_STATE_SUCCEEDED, exported.status?.error?.message);
    const ref = exported.result?.$case === 'exportResult' ? exported.result.value.snapshot : undefined;

    const spec = trainer.TrainingSpec.fromPartial({
      architecture: { architecture: { $case: 'cnn', value: { inputHeight: 8, inputWidth: 8, inputChannels: 3, convLayers: [{ filters: 4, kernelSize: 3, stride: 1, poolSize: 2 }], denseUnits: [] } } },
      data: { dataset: ref },
      config: trainer.TrainConfig.fromPartial({ epochs: 2, batchSize: 8, seed: 42, optimizer: { learningRate: 0.01 }, schedule: { warmupSteps: 0 } }),
      registerAs: { modelName: 'colour-cnn' },
    });
    const created = await unary(all.tr.client.createTrainingJob.bind(all.tr.client), { spec, idempotencyKey: 'colour-cnn', tags: {} });
    await collectEvents(all.tr.client, { jobId: created.status?.jobId ?? '' }, 150_000);
    const job = await unary(all.tr.client.getJob.bind(all.tr.client), { jobId: created.status?.jobId ?? '' });
    assert.equal(job.status?.state, common.JobState.JOB_STATE_SUCCEEDED, JSON.stringify(job.status?.error));
    const version = job.registeredModel?.selector?.$case === 'version' ? job.registeredModel.selector.value : 0;
    const registered = await unary(all.stack.registry.getVersion.bind(all.stack.registry), registry.GetVersionRequest.fromPartial({ modelName: 'colour-cnn', version }));
    assert.deepEqual(new Set(JSON.parse(registered.tags['class_names'] ?? '[]') as string[]), new Set(['red', 'blue']));
  });
});
