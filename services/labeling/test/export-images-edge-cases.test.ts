/**
 * ExportToSnapshot of image projects at its edges: a label
 * field that ingestion's image parser would overwrite is refused up front,
 * a record that is not a readable image fails the job and leaves no
 * snapshot, a second task with the same image bytes is skipped and
 * counted, a JPEG goes through as it is, and a record that is neither text nor PNG / JPEG fails it
 * naming the reason (real ingestion + labeling over gRPC).
 */
import { strict as assert } from 'node:assert';
import { common, labeling } from '@l1g1/contracts';
import { unary } from '@l1g1/kit';
import sharp from 'sharp';
import type { TestIngestion } from '../../ingestion/test/support/start-ingestion';
import { awaitJob } from './support/await-job';
import { calls, cls, labelClass, refusal } from './support/calls';
import { readSnapshot } from './support/read-snapshot';
import { useLabelingWithIngestion } from './support/with-ingestion';

describe('labeling: ExportToSnapshot edge cases of image projects (refusals, duplicates, JPEG) (real ingestion + labeling over gRPC)', function () {
  this.timeout(60_000);
  const services = useLabelingWithIngestion();
  let ing: TestIngestion;
  let api: ReturnType<typeof calls>;
  before(async () => {
    ({ ing, api } = services.get());
  });

  async function labelledProject(record: labeling.DeepPartial<common.Record>) {
    const p = await api.createProject({ name: 'images', labelConfig: { taskType: labeling.TaskType.TASK_TYPE_CLASSIFICATION, classes: [labelClass('a')] } });
    await api.importTasks({ projectId: p.id, records: [record] });
    const [t] = (await api.listTasks({ projectId: p.id })).tasks;
    await api.submit({ taskId: t?.id ?? '', annotator: 'ann', value: cls('a') });
    return p;
  }

  it('refuses a label field the image parser writes (width, format …) naming label_field, and queues nothing', async () => {
    const p = await labelledProject({ id: 'x', data: Buffer.from('x'), contentType: 'text/plain', metadata: {} });
    for (const labelField of ['width', 'format', 'source_snapshot']) {
      const err = await refusal(api.exportToSnapshot({ projectId: p.id, dataset: 'ok', labelField }));
      assert.equal(err.kind, 'INVALID_ARGUMENT');
      assert.equal(err.field, 'label_field');
    }
    assert.equal((await api.listJobs({ projectId: p.id })).jobs.length, 0);
  });

  it('fails the job and publishes no snapshot when an image record is not a readable PNG', async () => {
    const p = await labelledProject({ id: 'broken', data: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]), contentType: 'image/png', metadata: {} });
    const job = await awaitJob(api, (await api.exportToSnapshot({ projectId: p.id, dataset: 'broken-images' })).status?.jobId ?? '');
    assert.equal(job.status?.state, common.JobState.JOB_STATE_FAILED);
    const err = await refusal(unary(ing.client.getSnapshot.bind(ing.client), { snapshot: { name: 'broken-images', snapshot: 0 } }));
    assert.equal(err.kind, 'NOT_FOUND');
  });

  it('skips a task whose image bytes equal an earlier one (ingestion would replace its record) and counts it', async () => {
    const png = Buffer.from(await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 1, g: 2, b: 3 } } }).png().toBuffer());
    const p = await api.createProject({ name: 'twins', labelConfig: { taskType: labeling.TaskType.TASK_TYPE_CLASSIFICATION, classes: [labelClass('a'), labelClass('b')] } });
    await api.importTasks({ projectId: p.id, records: ['one', 'two'].map((id) => ({ id, data: png, contentType: 'image/png', metadata: {} })) });
    const tasks = (await api.listTasks({ projectId: p.id })).tasks;
    for (const t of tasks) await api.submit({ taskId: t.id, annotator: 'ann', value: cls(t.record?.id === 'one' ? 'a' : 'b') });
    const job = await awaitJob(api, (await api.exportToSnapshot({ projectId: p.id, dataset: 'twins' })).status?.jobId ?? '');
    assert.equal(job.status?.state, common.JobState.JOB_STATE_SUCCEEDED, job.status?.error?.message);
    assert.equal(job.result?.$case === 'exportResult' ? job.result.value.records : -1, 1);
    assert.equal(job.status?.counters['duplicate_images_skipped'], 1);
    const records = await readSnapshot(ing.client, { name: 'twins', snapshot: 0 });
    assert.deepEqual(
      records.map((r) => [r.metadata['record_id'], r.metadata['label']]),
      [['one', 'a']],
    );
  });

  it('exports a JPEG record as the same JPEG bytes (format jpeg)', async () => {
    const jpeg = Buffer.from(await sharp({ create: { width: 6, height: 4, channels: 3, background: { r: 9, g: 99, b: 199 } } }).jpeg().toBuffer());
    const p = await labelledProject({ id: 'photo', data: jpeg, contentType: 'image/jpeg', metadata: {} });
    const job = await awaitJob(api, (await api.exportToSnapshot({ projectId: p.id, dataset: 'photos' })).status?.jobId ?? '');
    assert.equal(job.status?.state, common.JobState.JOB_STATE_SUCCEEDED, job.status?.error?.message);
    const [r, ...rest] = await readSnapshot(ing.client, { name: 'photos', snapshot: 0 });
    assert.equal(rest.length, 0);
    assert.ok(r && Buffer.from(r.data).equals(jpeg), 'the JPEG bytes as they were');
    assert.deepEqual([r.contentType, r.metadata['format'], r.metadata['label'], r.metadata['record_id']], ['image/jpeg', 'jpeg', 'a', 'photo']);
  });

  it('fails the job naming the record type when a record is neither text nor a PNG or JPEG image', async () => {
    const p = await labelledProject({ id: 'sound', data: Buffer.from([1, 2, 3]), contentType: 'audio/wav', metadata: {} });
    const job = await awaitJob(api, (await api.exportToSnapshot({ projectId: p.id, dataset: 'sounds' })).status?.jobId ?? '');
    assert.equal(job.status?.state, common.JobState.JOB_STATE_FAILED);
    assert.match(job.status?.error?.message ?? '', /audio\/wav record; only text records and PNG or JPEG images/);
    assert.equal((await refusal(unary(ing.client.getSnapshot.bind(ing.client), { snapshot: { name: 'sounds', snapshot: 0 } }))).kind, 'NOT_FOUND');
  });
});
