/**
 * ExportToSnapshot through real services: a labeling service exports a
 * project's consensus labels as a job that uploads them through a real
 * ingestion service's Ingest, and the new snapshot is read back over
 * ReadRecords with the label field the trainer reads. Also the job RPCs
 * (GetJob, ListJobs, CancelJob), refusals naming the field, and a failed
 * export leaving no snapshot behind.
 */
import { strict as assert } from 'node:assert';
import { common, labeling } from '@l1g1/contracts';
import { unary } from '@l1g1/kit';
import type { TestIngestion } from '../../ingestion/test/support/start-ingestion';
import { awaitJob } from './support/await-job';
import { calls, cls, labelClass, refusal, spans, textRecord } from './support/calls';
import { readSnapshot } from './support/read-snapshot';
import type { TestLabeling } from './support/start-labeling';
import { useLabelingWithIngestion } from './support/with-ingestion';

const { TaskType, Resolution, LabelingJobKind } = labeling;
const { JobState } = common;

describe('labeling: ExportToSnapshot and the job RPCs (real ingestion + labeling over gRPC)', function () {
  this.timeout(60_000);
  const services = useLabelingWithIngestion();
  let ing: TestIngestion;
  let lab: TestLabeling;
  let api: ReturnType<typeof calls>;
  before(async () => {
    ({ ing, lab, api } = services.get());
  });

  /** A spam/ham project of `n` tasks (k = 2), every task labelled by alice and bob. */
  async function spamProject(n: number, label: (i: number) => [string, string], gold?: (i: number) => string | undefined) {
    const p = await api.createProject({ name: 'spam', labelConfig: { taskType: TaskType.TASK_TYPE_CLASSIFICATION, classes: [labelClass('spam'), labelClass('ham')], annotationsPerTask: 2 } });
    await api.importTasks({ projectId: p.id, records: Array.from({ length: n }, (_, i) => ({ ...textRecord(`rec-${i}`, `message number ${i}`), metadata: { origin: `inbox-${i % 3}` } })) });
    const tasks = (await api.listTasks({ projectId: p.id, page: { pageSize: 100, pageToken: '' } })).tasks;
    for (const [i, t] of tasks.entries()) {
      const [a, b] = label(i);
      await api.submit({ taskId: t.id, annotator: 'alice', value: cls(a) });
      await api.submit({ taskId: t.id, annotator: 'bob', value: cls(b) });
      const g = gold?.(i);
      if (g) await api.submit({ taskId: t.id, annotator: 'reviewer', value: cls(g), gold: true });
    }
    return p;
  }

  it('exports consensus labels (gold over majority) as a new snapshot whose records keep id, text and metadata, label in `label`', async () => {
    // Tasks 0-3 agree; task 4 disagrees and a reviewer's gold answer settles it as ham.
    const p = await spamProject(5, (i) => (i < 4 ? [i % 2 ? 'ham' : 'spam', i % 2 ? 'ham' : 'spam'] : ['spam', 'ham']), (i) => (i === 4 ? 'ham' : undefined));
    const queued = await api.exportToSnapshot({ projectId: p.id, dataset: 'spam-labels', description: 'first export' });
    assert.equal(queued.kind, LabelingJobKind.LABELING_JOB_KIND_EXPORT_TO_SNAPSHOT);
    assert.equal(queued.projectId, p.id);
    assert.equal(queued.request?.$case, 'exportRequest');
    const job = await awaitJob(api, queued.status?.jobId ?? '');
    assert.equal(job.status?.state, JobState.JOB_STATE_SUCCEEDED, job.status?.error?.message);
    assert.equal(job.result?.$case, 'exportResult');
    const result = job.result?.$case === 'exportResult' ? job.result.value : undefined;
    assert.equal(result?.records, 5);
    assert.deepEqual(result?.labelCounts, { spam: 2, ham: 3 });
    assert.equal(result?.snapshot?.name, 'spam-labels');
    assert.ok((result?.snapshot?.snapshot ?? 0) > 0);

    const records = await readSnapshot(ing.client, result?.snapshot ?? { name: '', snapshot: 0 });
    const byId = new Map(records.map((r) => [r.metadata['record_id'], r]));
    assert.equal(byId.size, 5);
    for (let i = 0; i < 5; i++) {
      const r = byId.get(`rec-${i}`);
      assert.ok(r, `record rec-${i} is in the snapshot`);
      assert.equal(Buffer.from(r.data).toString('utf8'), `message number ${i}`);
      assert.equal(r.metadata['label'], i === 4 ? 'ham' : i % 2 ? 'ham' : 'spam');
      assert.equal(r.metadata['origin'], `inbox-${i % 3}`);
      assert.match(r.metadata['labeling_task_id'] ?? '', /^tsk/);
    }
    // Lineage on the snapshot itself.
    const snap = await unary(ing.client.getSnapshot.bind(ing.client), { snapshot: result?.snapshot });
    assert.equal(snap.tags['labeling.project_id'], p.id);
    assert.equal(snap.tags['labeling.job_id'], job.status?.jobId);
    assert.equal(snap.tags['labeling.resolution'], 'majority');
    assert.ok(!Number.isNaN(Date.parse(snap.tags['labeling.exported_at'] ?? '')));
    // WatchJob replays the job's events: state changes up to succeeded, and the lineage log.
    const events: labeling.LabelingJobEvent[] = [];
    const watch = lab.client.watchJob({ jobId: job.status?.jobId ?? '', afterSequence: 0 });
    for await (const e of watch as AsyncIterable<labeling.LabelingJobEvent>) events.push(e);
    assert.equal(events[events.length - 1]?.job?.status?.state, JobState.JOB_STATE_SUCCEEDED);
    assert.ok(events.every((e, i) => i === 0 || e.sequence > (events[i - 1]?.sequence ?? 0)), 'events in order');
    const lineage = events.find((e) => e.type === 'log');
    assert.deepEqual((JSON.parse(lineage?.dataJson ?? '{}') as { lineage?: { project_id: string; records: number } }).lineage?.records, 5);
    // Ten annotators' labels and the reviewer's gold answer.
    assert.equal(job.status?.counters['annotations'], 11);
  });

  it('writes NER labels as JSON [start, end, label] spans and a custom label field', async () => {
    const p = await api.createProject({ name: 'ner', labelConfig: { taskType: TaskType.TASK_TYPE_NER, classes: [labelClass('PER'), labelClass('LOC')] } });
    await api.importTasks({ projectId: p.id, records: [textRecord('n1', 'Ada lives in Paris')] });
    const [t] = (await api.listTasks({ projectId: p.id, page: { pageSize: 10, pageToken: '' } })).tasks;
    await api.submit({ taskId: t?.id ?? '', annotator: 'alice', value: spans([0, 3, 'PER'], [13, 18, 'LOC']) });
    const job = await awaitJob(api, (await api.exportToSnapshot({ projectId: p.id, dataset: 'ner-labels', labelField: 'entities' })).status?.jobId ?? '');
    assert.equal(job.status?.state, JobState.JOB_STATE_SUCCEEDED, job.status?.error?.message);
    const ref = job.result?.$case === 'exportResult' ? job.result.value.snapshot : undefined;
    const [r] = await readSnapshot(ing.client, ref ?? { name: '', snapshot: 0 });
    assert.deepEqual(JSON.parse(r?.metadata['entities'] ?? 'null'), [
      [0, 3, 'PER'],
      [13, 18, 'LOC'],
    ]);
  });

  it('assigns splits stratified by label: each split gets its share of every class', async () => {
    // 8 spam, 4 ham; train 0.5 / test 0.5 → 4 spam + 2 ham in each.
    const p = await spamProject(12, (i) => (i < 8 ? ['spam', 'spam'] : ['ham', 'ham']));
    const job = await awaitJob(api, (await api.exportToSnapshot({ projectId: p.id, dataset: 'spam-split', splitFractions: { train: 0.5, test: 0.5 }, seed: 7 })).status?.jobId ?? '');
    assert.equal(job.status?.state, JobState.JOB_STATE_SUCCEEDED, job.status?.error?.message);
    const ref = job.result?.$case === 'exportResult' ? job.result.value.snapshot : undefined;
    for (const split of ['train', 'test']) {
      const rows = await readSnapshot(ing.client, ref ?? { name: '', snapshot: 0 }, split);
      const spam = rows.filter((r) => r.metadata['label'] === 'spam').length;
      assert.deepEqual([spam, rows.length - spam], [4, 2], `split ${split}`);
    }
  });

  it('refuses a bad request naming the field and queues nothing', async () => {
    const p = await spamProject(1, () => ['spam', 'spam']);
    const cases: [labeling.DeepPartial<labeling.ExportToSnapshotRequest>, string][] = [
      [{ dataset: 'Not A Name' }, 'dataset'],
      [{ dataset: 'ok', resolution: Resolution.RESOLUTION_ALL }, 'resolution'],
      [{ dataset: 'ok', labelField: 'data' }, 'label_field'],
      [{ dataset: 'ok', splitFractions: { train: 0.5, test: 0.4 } }, 'split_fractions'],
      [{ dataset: 'ok', splitFractions: { train: 1.5 } }, 'split_fractions.train'],
    ];
    for (const [req, field] of cases) {
      const err = await refusal(api.exportToSnapshot({ projectId: p.id, ...req }));
      assert.equal(err.kind, 'INVALID_ARGUMENT', field);
      assert.equal(err.field, field);
    }
    assert.equal((await refusal(api.exportToSnapshot({ projectId: 'prj_missing', dataset: 'ok' }))).field, 'project_id');
    assert.equal((await refusal(api.exportToSnapshot({ projectId: `prj_000000000${'0'.repeat(16)}`, dataset: 'ok' }))).kind, 'NOT_FOUND');
    assert.equal((await api.listJobs({ projectId: p.id })).jobs.length, 0);
  });

  it('fails the job and publishes no snapshot when a record cannot be written (nothing half-written)', async () => {
    const p = await api.createProject({ name: 'mixed', labelConfig: { taskType: TaskType.TASK_TYPE_CLASSIFICATION, classes: [labelClass('a'), labelClass('b')] } });
    // Text records first (~330 KB: more than one 256 KiB upload chunk reaches ingestion), then an image: one snapshot holds one kind.
    const text = Array.from({ length: 300 }, (_, i) => textRecord(`t${i}`, `text ${i} ${'x'.repeat(1100)}`));
    const binary = { id: 'img', data: Buffer.from([0x89, 0x50, 0x4e, 0x47]), contentType: 'image/png', metadata: {} };
    await api.importTasks({ projectId: p.id, records: [...text, binary] });
    for (let page = '', i = 0; i < 10; i++) {
      const r = await api.listTasks({ projectId: p.id, page: { pageSize: 200, pageToken: page } });
      for (const t of r.tasks) await api.submit({ taskId: t.id, annotator: 'alice', value: cls('a') });
      page = r.page?.nextPageToken ?? '';
      if (!page) break;
    }
    const job = await awaitJob(api, (await api.exportToSnapshot({ projectId: p.id, dataset: 'half-written' })).status?.jobId ?? '');
    assert.equal(job.status?.state, JobState.JOB_STATE_FAILED);
    assert.equal(job.status?.error?.reason, 'FAILED_PRECONDITION');
    assert.match(job.status?.error?.message ?? '', /mixes text and image records/);
    const err = await refusal(unary(ing.client.getSnapshot.bind(ing.client), { snapshot: { name: 'half-written', snapshot: 0 } }));
    assert.equal(err.kind, 'NOT_FOUND');
  });

  it('fails an export of a project with no labels without creating a snapshot', async () => {
    const p = await api.createProject({ name: 'empty', labelConfig: { taskType: TaskType.TASK_TYPE_CLASSIFICATION, classes: [labelClass('a')] } });
    await api.importTasks({ projectId: p.id, records: [textRecord('x', 'unlabelled')] });
    const job = await awaitJob(api, (await api.exportToSnapshot({ projectId: p.id, dataset: 'nothing', includeIncomplete: true })).status?.jobId ?? '');
    assert.equal(job.status?.state, JobState.JOB_STATE_FAILED);
    assert.match(job.status?.error?.message ?? '', /no labelled tasks/);
    assert.equal((await refusal(unary(ing.client.getSnapshot.bind(ing.client), { snapshot: { name: 'nothing', snapshot: 0 } }))).kind, 'NOT_FOUND');
  });

  it('lists jobs by project and kind, answers the same job for a repeated idempotency key, and leaves a finished job as it is on cancel', async () => {
    const p = await spamProject(2, () => ['spam', 'spam']);
    const a = await api.exportToSnapshot({ projectId: p.id, dataset: 'idem', idempotencyKey: 'k-1' });
    const again = await api.exportToSnapshot({ projectId: p.id, dataset: 'idem', idempotencyKey: 'k-1' });
    assert.equal(again.status?.jobId, a.status?.jobId);
    const done = await awaitJob(api, a.status?.jobId ?? '');
    assert.equal(done.status?.state, JobState.JOB_STATE_SUCCEEDED, done.status?.error?.message);
    const listed = await api.listJobs({ projectId: p.id, kind: LabelingJobKind.LABELING_JOB_KIND_EXPORT_TO_SNAPSHOT });
    assert.deepEqual(
      listed.jobs.map((j) => j.status?.jobId),
      [a.status?.jobId],
    );
    assert.equal((await api.listJobs({ projectId: p.id, state: JobState.JOB_STATE_FAILED })).jobs.length, 0);
    const cancelled = await api.cancelJob(a.status?.jobId ?? '');
    assert.equal(cancelled.status?.state, JobState.JOB_STATE_SUCCEEDED);
    assert.equal((await refusal(api.getJob('00000000-0000-4000-8000-000000000000'))).kind, 'NOT_FOUND');
    assert.equal((await refusal(api.getJob(''))).field, 'job_id');
  });
});
