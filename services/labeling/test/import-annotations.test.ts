/**
 * ImportAnnotations through a real labeling service: our own exports
 * uploaded into a fresh project export again unchanged (JSONL, Label
 * Studio, CSV, CoNLL), a repeated upload adds nothing, and a bad item is
 * refused naming it with nothing written (one transaction).
 */
import { strict as assert } from 'node:assert';
import { labeling } from '@l1g1/contracts';
import { fromServiceError, isServiceError } from '@l1g1/kit';
import { calls, cls, labelClass, refusal, spans, textRecord } from './support/calls';
import { readExport } from './support/export-stream';
import { importUpload } from './support/import-upload';
import { useTestLabeling, type TestLabeling } from './support/start-labeling';

const { TaskType, ExportFormat: F, Resolution: R } = labeling;

/** JSONL lines without the task ids (a fresh project issues its own), annotations in annotator order. */
function comparableJsonl(text: string): unknown[] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const { task_id: _ignored, ...rest } = JSON.parse(l) as { task_id: string; annotations: { annotator: string }[] };
      return { ...rest, annotations: [...rest.annotations].sort((a, b) => a.annotator.localeCompare(b.annotator)) };
    });
}

describe('labeling: ImportAnnotations (real gRPC)', function () {
  this.timeout(60_000);
  const fixture = useTestLabeling();
  let api: ReturnType<typeof calls>;
  let svc: TestLabeling;
  before(() => {
    svc = fixture.svc;
    api = calls(svc.client);
  });

  const classification = (name: string) =>
    api.createProject({ name, labelConfig: { taskType: TaskType.TASK_TYPE_CLASSIFICATION, classes: [labelClass('spam'), labelClass('ham')], annotationsPerTask: 2 } });

  /** A spam/ham project: 4 tasks with metadata, alice and bob on each, a gold answer on the one they disagree on. */
  async function labelledSource() {
    const p = await classification('source');
    await api.importTasks({ projectId: p.id, records: Array.from({ length: 4 }, (_, i) => ({ ...textRecord(`r${i}`, `mail "${i}",\nline two`), metadata: { box: `b${i}` } })) });
    const tasks = (await api.listTasks({ projectId: p.id, page: { pageSize: 10, pageToken: '' } })).tasks;
    for (const [i, t] of tasks.entries()) {
      await api.submit({ taskId: t.id, annotator: 'alice', value: cls('spam'), leadTimeMs: 1000 + i });
      await api.submit({ taskId: t.id, annotator: 'bob', value: cls(i === 3 ? 'ham' : 'spam'), leadTimeMs: 2000 + i });
    }
    await api.submit({ taskId: tasks[3]?.id ?? '', annotator: 'rev', value: cls('ham'), gold: true });
    return p;
  }

  it('round-trips JSONL: export → import into a fresh project → export is the same (every annotation, metadata, lead times, gold)', async () => {
    const a = await labelledSource();
    const first = (await readExport(svc.client, { projectId: a.id, format: F.EXPORT_FORMAT_JSONL, resolution: R.RESOLUTION_ALL })).files.get('') ?? '';
    const b = await classification('copy');
    const res = await importUpload(svc.client, { projectId: b.id, format: F.EXPORT_FORMAT_JSONL }, new Map([['', first]]), 100);
    assert.deepEqual([res.items, res.tasksCreated, res.annotationsImported, res.annotationsUnchanged], [4, 4, 9, 0]);
    const again = (await readExport(svc.client, { projectId: b.id, format: F.EXPORT_FORMAT_JSONL, resolution: R.RESOLUTION_ALL })).files.get('') ?? '';
    assert.deepEqual(comparableJsonl(again), comparableJsonl(first));
  });

  it('a repeated upload adds nothing (every annotation counted unchanged)', async () => {
    const a = await labelledSource();
    const text = (await readExport(svc.client, { projectId: a.id, format: F.EXPORT_FORMAT_JSONL, resolution: R.RESOLUTION_ALL })).files.get('') ?? '';
    const res = await importUpload(svc.client, { projectId: a.id, format: F.EXPORT_FORMAT_JSONL }, new Map([['', text]]));
    assert.deepEqual([res.tasksCreated, res.annotationsImported, res.annotationsUnchanged], [0, 0, 9]);
  });

  it('round-trips Label Studio JSON and CSV into fresh projects', async () => {
    const a = await labelledSource();
    for (const format of [F.EXPORT_FORMAT_LABEL_STUDIO_JSON, F.EXPORT_FORMAT_CSV]) {
      const resolution = format === F.EXPORT_FORMAT_CSV ? R.RESOLUTION_LATEST : R.RESOLUTION_ALL;
      // CSV holds one annotation per task: the copy's tasks are not complete (k = 2), so both exports include incomplete ones.
      const first = await readExport(svc.client, { projectId: a.id, format, resolution, includeIncomplete: true });
      const b = await classification(`copy-${format}`);
      await importUpload(svc.client, { projectId: b.id, format }, first.files);
      const again = await readExport(svc.client, { projectId: b.id, format, resolution, includeIncomplete: true });
      // Task ids are the project's own: compare with them blanked.
      const blank = (s: string, p: string): string => s.split(p).join('');
      const ids = async (projectId: string) => (await api.listTasks({ projectId, page: { pageSize: 10, pageToken: '' } })).tasks.map((t) => t.id);
      let x = first.files.get('') ?? '';
      let y = again.files.get('') ?? '';
      for (const id of await ids(a.id)) x = blank(x, id);
      for (const id of await ids(b.id)) y = blank(y, id);
      if (format === F.EXPORT_FORMAT_LABEL_STUDIO_JSON) {
        const norm = (s: string) => (JSON.parse(s) as { annotations: { completed_by: string; id?: unknown }[] }[]).map((t) => ({ ...t, annotations: t.annotations.map(({ id: _i, ...r }) => r).sort((m, n) => m.completed_by.localeCompare(n.completed_by)) }));
        assert.deepEqual(norm(y), norm(x), 'label studio');
      } else {
        assert.equal(y, x, 'csv');
      }
    }
  });

  it('round-trips NER spans through CoNLL-2003', async () => {
    const ner = (name: string) => api.createProject({ name, labelConfig: { taskType: TaskType.TASK_TYPE_NER, classes: [labelClass('PER'), labelClass('LOC')] } });
    const a = await ner('ner-src');
    await api.importTasks({ projectId: a.id, records: [textRecord('n1', 'Ada Lovelace lives in London'), textRecord('n2', 'Paris and Rome')] });
    const [t1, t2] = (await api.listTasks({ projectId: a.id, page: { pageSize: 10, pageToken: '' } })).tasks;
    await api.submit({ taskId: t1?.id ?? '', annotator: 'x', value: spans([0, 3, 'PER'], [4, 12, 'PER'], [22, 28, 'LOC']) });
    await api.submit({ taskId: t2?.id ?? '', annotator: 'x', value: spans([0, 5, 'LOC'], [10, 14, 'LOC']) });
    const first = (await readExport(svc.client, { projectId: a.id, format: F.EXPORT_FORMAT_CONLL2003 })).files.get('') ?? '';
    const b = await ner('ner-copy');
    const res = await importUpload(svc.client, { projectId: b.id, format: F.EXPORT_FORMAT_CONLL2003 }, new Map([['', first]]));
    assert.equal(res.annotationsImported, 2);
    const again = (await readExport(svc.client, { projectId: b.id, format: F.EXPORT_FORMAT_CONLL2003 })).files.get('') ?? '';
    const noTaskIds = (s: string) => s.replace(/^# task_id = .*$/gm, '');
    assert.equal(noTaskIds(again), noTaskIds(first));
  });

  it('refuses the first bad item naming it, and writes nothing of the upload', async () => {
    const p = await classification('strict');
    const line = (id: string, label: string) => JSON.stringify({ task_id: '', record_id: id, text: `text ${id}`, metadata: {}, annotations: [{ annotator: 'a', value: { classification: { labels: [label] } }, lead_time_ms: 5, gold: false }] });
    const upload = [line('ok-1', 'spam'), line('bad', 'eggs'), line('ok-2', 'ham')].join('\n');
    const err = await refusal(importUpload(svc.client, { projectId: p.id, format: F.EXPORT_FORMAT_JSONL }, new Map([['', upload]])));
    assert.equal(err.kind, 'INVALID_ARGUMENT');
    assert.equal(err.field, 'items[1].annotations[0].value.classification.labels[0]');
    assert.equal((await api.listTasks({ projectId: p.id, page: { pageSize: 10, pageToken: '' } })).tasks.length, 0);
  });

  it('writes nothing when an item conflicts with a stored annotation (ALREADY_EXISTS naming the item)', async () => {
    const p = await classification('conflict');
    const line = (id: string, label: string) => JSON.stringify({ task_id: '', record_id: id, text: `text ${id}`, metadata: {}, annotations: [{ annotator: 'a', value: { classification: { labels: [label] } }, lead_time_ms: 5, gold: false }] });
    await importUpload(svc.client, { projectId: p.id, format: F.EXPORT_FORMAT_JSONL }, new Map([['', line('one', 'spam')]]));
    const err = await refusal(importUpload(svc.client, { projectId: p.id, format: F.EXPORT_FORMAT_JSONL }, new Map([['', [line('two', 'spam'), line('one', 'ham')].join('\n')]])));
    assert.equal(err.kind, 'ALREADY_EXISTS');
    assert.equal(err.field, 'items[1].annotations[0]');
    const tasks = (await api.listTasks({ projectId: p.id, page: { pageSize: 10, pageToken: '' } })).tasks;
    assert.deepEqual(tasks.map((t) => t.record?.id), ['one']);
  });

  it('refuses an unreadable upload, a missing header and an unknown project as the client’s mistakes', async () => {
    const p = await classification('bad-input');
    const broken = await refusal(importUpload(svc.client, { projectId: p.id, format: F.EXPORT_FORMAT_JSONL }, new Map([['', '{"not json']])));
    assert.deepEqual([broken.kind, broken.field], ['INVALID_ARGUMENT', 'chunk']);
    assert.doesNotMatch(broken.message, /\/work|node_modules|at \w+ \(/);
    const noHeader = await refusal(
      new Promise((resolve, reject) => {
        const call = svc.client.importAnnotations((e, r) => (e ? reject(e) : resolve(r)));
        call.end();
      }).catch((e: unknown) => {
        throw isServiceError(e) ? fromServiceError(e) : e;
      }),
    );
    assert.equal(noHeader.field, 'header');
    const wrongFormat = await refusal(importUpload(svc.client, { projectId: p.id, format: F.EXPORT_FORMAT_YOLO }, new Map([['classes.txt', 'spam\n']])));
    assert.equal(wrongFormat.field, 'header.format');
    const missing = await refusal(importUpload(svc.client, { projectId: `prj_000000000${'0'.repeat(16)}`, format: F.EXPORT_FORMAT_JSONL }, new Map([['', '']])));
    assert.equal(missing.kind, 'NOT_FOUND');
  });
});
