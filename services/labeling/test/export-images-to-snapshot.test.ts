/**
 * ExportToSnapshot of image projects through real services: PNGs made with
 * sharp are uploaded through a real ingestion service's Ingest, imported as
 * tasks of a labeling project, labelled by two annotators, and exported;
 * the new snapshot is read back over ReadRecords and holds the very same
 * bytes, the consensus label in the label field (a class for
 * classification, a JSON array of `{x, y, width, height, label}` fractions
 * for boxes) and the lineage (source record, source snapshot, task,
 * project). The trainer's own CNN input code reads the exported records.
 */
import { strict as assert } from 'node:assert';
import { common, ingestion, labeling } from '@l1g1/contracts';
import { unary } from '@l1g1/kit';
import sharp from 'sharp';
import { ingest, ingestHeader } from '../../ingestion/test/support/ingest-client';
import type { TestIngestion } from '../../ingestion/test/support/start-ingestion';
import { imagePixels } from '../../trainer/src/models/image-input';
import { labelIndex } from '../../trainer/src/models/record-input';
import { awaitJob } from './support/await-job';
import { boxes, calls, cls, labelClass } from './support/calls';
import { readSnapshot } from './support/read-snapshot';
import { useLabelingWithIngestion } from './support/with-ingestion';

const { TaskType } = labeling;

/** Four 8×6 PNGs: red, blue, red-ish, blue-ish (distinct bytes, so distinct content ids). */
const COLOURS = [
  { r: 220, g: 0, b: 0 },
  { r: 0, g: 0, b: 220 },
  { r: 200, g: 10, b: 10 },
  { r: 10, g: 10, b: 200 },
];

describe('labeling: ExportToSnapshot of image projects (real ingestion + labeling over gRPC)', function () {
  this.timeout(60_000);
  const services = useLabelingWithIngestion();
  let ing: TestIngestion;
  let api: ReturnType<typeof calls>;
  let pngs: Buffer[];
  let source: common.DatasetRef;
  before(async () => {
    ({ ing, api } = services.get());
    pngs = await Promise.all(COLOURS.map((background) => sharp({ create: { width: 8, height: 6, channels: 3, background } }).png().toBuffer()));
    const up = await ingest(
      ing.client,
      ingestHeader({ dataset: 'swatches', format: ingestion.SourceFormat.SOURCE_FORMAT_IMAGE_PNG, formatOptions: { $case: 'image', value: { maxSidePx: 0 } } }),
      pngs.map((bytes, i) => ({ name: `swatch-${i}.png`, bytes, recordMetadata: { swatch: String(i) } })),
    );
    assert.ok(up.ok, up.ok ? '' : up.error.message);
    source = up.result.snapshot ?? { name: '', snapshot: 0 };
  });

  /** A project of the four swatches, imported from the source snapshot; tasks in swatch order. */
  async function swatchProject(config: labeling.DeepPartial<labeling.LabelConfig>) {
    const p = await api.createProject({ name: 'swatches', labelConfig: { annotationsPerTask: 2, ...config } });
    assert.equal((await api.importTasks({ projectId: p.id, snapshot: { name: source.name, snapshot: 0 } })).imported, 4);
    const tasks = (await api.listTasks({ projectId: p.id })).tasks;
    tasks.sort((a, b) => Number(a.record?.metadata['swatch']) - Number(b.record?.metadata['swatch']));
    return { p, tasks };
  }

  async function exportedRecords(projectId: string, dataset: string): Promise<{ result: labeling.ExportToSnapshotResult | undefined; records: common.Record[]; jobId: string }> {
    const job = await awaitJob(api, (await api.exportToSnapshot({ projectId, dataset })).status?.jobId ?? '');
    assert.equal(job.status?.state, common.JobState.JOB_STATE_SUCCEEDED, job.status?.error?.message);
    const result = job.result?.$case === 'exportResult' ? job.result.value : undefined;
    return { result, records: await readSnapshot(ing.client, result?.snapshot ?? { name: '', snapshot: 0 }), jobId: job.status?.jobId ?? '' };
  }

  it('exports a classification project as the same PNG bytes with the consensus class, readable by the trainer’s CNN input', async () => {
    const { p, tasks } = await swatchProject({ taskType: TaskType.TASK_TYPE_CLASSIFICATION, classes: [labelClass('red'), labelClass('blue')] });
    const truth = ['red', 'blue', 'red', 'blue'];
    for (const [i, t] of tasks.entries()) {
      await api.submit({ taskId: t.id, annotator: 'ann', value: cls(truth[i] as string) });
      // bob gets swatch 2 wrong; a reviewer's gold answer settles it.
      await api.submit({ taskId: t.id, annotator: 'bob', value: cls(i === 2 ? 'blue' : (truth[i] as string)) });
    }
    await api.submit({ taskId: tasks[2]?.id ?? '', annotator: 'rev', gold: true, value: cls('red') });

    const { result, records, jobId } = await exportedRecords(p.id, 'swatch-classes');
    assert.equal(result?.records, 4);
    assert.deepEqual(result?.labelCounts, { red: 2, blue: 2 });
    assert.equal(records.length, 4);
    const bySwatch = new Map(records.map((r) => [r.metadata['swatch'], r]));
    const sourceIds = new Map(tasks.map((t) => [t.record?.metadata['swatch'], t.record?.id]));
    for (let i = 0; i < 4; i++) {
      const r = bySwatch.get(String(i));
      assert.ok(r, `swatch ${i} is in the snapshot`);
      assert.ok(Buffer.from(r.data).equals(pngs[i] as Buffer), `swatch ${i}: the PNG bytes as uploaded, not re-encoded`);
      assert.equal(r.contentType, 'image/png');
      assert.equal(r.metadata['label'], truth[i]);
      assert.equal(r.metadata['record_id'], sourceIds.get(String(i)), 'the source record id');
      assert.equal(r.metadata['source_snapshot'], `${source.name}@${source.snapshot}`);
      assert.equal(r.metadata['labeling_task_id'], tasks[i]?.id);
      assert.deepEqual([r.metadata['format'], r.metadata['width'], r.metadata['height']], ['png', '8', '6']);
      // What the trainer's CNN featurizes: pixels in [0, 1] and the class index of the label.
      const pixels = imagePixels({ data: r.data, metadata: r.metadata }, { height: 6, width: 8, channels: 3 }, i);
      const colour = COLOURS[i] as { r: number; b: number };
      assert.equal(Math.round((pixels[0] as number) * 255), colour.r);
      assert.equal(Math.round((pixels[2] as number) * 255), colour.b);
      assert.equal(labelIndex(r, 'label', new Map([['red', 0], ['blue', 1]])), i % 2);
    }
    const snap = await unary(ing.client.getSnapshot.bind(ing.client), { snapshot: result?.snapshot });
    assert.equal(snap.tags['labeling.project_id'], p.id);
    assert.equal(snap.tags['labeling.job_id'], jobId);
  });

  it('exports a box project with the box consensus as a JSON array of {x, y, width, height, label} fractions', async () => {
    const { p, tasks } = await swatchProject({ taskType: TaskType.TASK_TYPE_BBOX, classes: [labelClass('spot'), labelClass('edge')] });
    for (const [i, t] of tasks.entries()) {
      // Boxes at IoU 1/2: one object, at the mean of the two.
      await api.submit({ taskId: t.id, annotator: 'ann', value: boxes(['spot', 0, 0, 0.5, 0.5]) });
      await api.submit({ taskId: t.id, annotator: 'bob', value: i === 3 ? boxes() : boxes(['spot', 0, 0, 0.5, 0.25]) });
    }
    const { result, records } = await exportedRecords(p.id, 'swatch-boxes');
    assert.equal(result?.records, 4);
    const bySwatch = new Map(records.map((r) => [r.metadata['swatch'], r]));
    for (let i = 0; i < 3; i++) {
      const r = bySwatch.get(String(i));
      assert.ok(r && Buffer.from(r.data).equals(pngs[i] as Buffer), `swatch ${i}: same bytes`);
      assert.deepEqual(JSON.parse(r.metadata['label'] ?? 'null'), [{ x: 0, y: 0, width: 0.5, height: 0.375, label: 'spot' }]);
    }
    // Swatch 3: ann drew a box, bob none; with two annotators one vote is a quorum (⌈2/2⌉), so the box stays.
    assert.deepEqual(JSON.parse(bySwatch.get('3')?.metadata['label'] ?? 'null'), [{ x: 0, y: 0, width: 0.5, height: 0.5, label: 'spot' }]);
    assert.deepEqual(result?.labelCounts, { spot: 4 });
  });
});
