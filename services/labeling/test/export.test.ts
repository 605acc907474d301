/**
 * ExportAnnotations through a real labeling service, read back with the
 * matching importer: every format that can hold a project's labels gives
 * back exactly what was stored (geometry to 1e-9: percent and pixel
 * conversions round in the last bit), streams in chunks no larger than asked,
 * and refuses a format that cannot hold the task type, naming `format`.
 */
import { strict as assert } from 'node:assert';
import { labeling } from '@l1g1/contracts';
import { readCoco, readConll, readCsv, readJsonl, readLabelStudio, readYolo, type ImportedItem } from '../src/formats';
import { boxes, calls, cls, refusal, spans, textRecord, labelClass } from './support/calls';
import { readExport } from './support/export-stream';
import { useTestLabeling, type TestLabeling } from './support/start-labeling';

const { TaskType, ExportFormat: F, Resolution: R } = labeling;
const C = labelClass;

/** Compares values, geometry to 1e-9 and everything else exactly. */
function sameValue(actual: labeling.AnnotationValue | undefined, expected: labeling.AnnotationValue | undefined, where: string): void {
  const a = actual?.value;
  const e = expected?.value;
  assert.equal(a?.$case, e?.$case, where);
  if (a?.$case === 'bbox' && e?.$case === 'bbox') {
    assert.equal(a.value.boxes.length, e.value.boxes.length, where);
    a.value.boxes.forEach((b, i) => {
      const x = e.value.boxes[i];
      assert.equal(b.label, x?.label, where);
      for (const k of ['x', 'y', 'width', 'height'] as const) assert.ok(Math.abs(b[k] - (x?.[k] ?? NaN)) < 1e-9, `${where}: ${k} ${b[k]} vs ${x?.[k]}`);
    });
    return;
  }
  assert.deepEqual(actual, expected, where);
}

describe('labeling: exports round-trip through their importers (real gRPC)', function () {
  this.timeout(60_000);
  const fixture = useTestLabeling();
  let api: ReturnType<typeof calls>;
  let svc: TestLabeling;
  before(() => {
    svc = fixture.svc;
    api = calls(svc.client);
  });

  /** A project of `type` with one annotation per task from `values`; answers stored annotations by task id. */
  async function labelled(type: labeling.TaskType, classes: string[], records: ReturnType<typeof textRecord>[], values: labeling.AnnotationValue[]) {
    const p = await api.createProject({ name: 'x', labelConfig: { taskType: type, classes: classes.map(C) } });
    await api.importTasks({ projectId: p.id, records });
    const tasks = (await api.listTasks({ projectId: p.id, page: { pageSize: 1000, pageToken: '' } })).tasks;
    const stored = new Map<string, labeling.Annotation>();
    for (const [i, t] of tasks.entries()) stored.set(t.id, await api.submit({ taskId: t.id, annotator: `ann${i % 3}`, value: values[i % values.length], leadTimeMs: 1000 + i }));
    return { p, tasks, stored };
  }

  function checkRoundTrip(items: ImportedItem[], stored: Map<string, labeling.Annotation>, key: 'taskId' | 'recordId', tasks: labeling.Task[], opts: { annotator: boolean }) {
    assert.equal(items.length, stored.size);
    for (const item of items) {
      const task = key === 'taskId' ? tasks.find((t) => t.id === item.taskId) : tasks.find((t) => t.record?.id === item.recordId);
      assert.ok(task, `no task for ${item[key]}`);
      const want = stored.get(task.id);
      assert.equal(item.annotations.length, 1);
      sameValue(item.annotations[0]?.value, want?.value, task.id);
      if (opts.annotator) {
        assert.equal(item.annotations[0]?.annotator, want?.annotator);
      }
    }
  }

  const texts = [textRecord('t1', 'Ada Lovelace met Charles Babbage in London.'), textRecord('t2', 'Rome, "the eternal city"'), textRecord('t3', 'NewYork\tand\nParis')];

  it('JSONL keeps every annotation (RESOLUTION_ALL) with annotator, lead time and value', async () => {
    const { p, tasks, stored } = await labelled(TaskType.TASK_TYPE_MULTI_LABEL_CLASSIFICATION, ['a', 'b', 'c'], texts, [cls('a', 'c'), cls(), cls('b')]);
    const out = await readExport(svc.client, { projectId: p.id, format: F.EXPORT_FORMAT_JSONL, resolution: R.RESOLUTION_ALL });
    assert.equal(out.header?.taskCount, 3);
    const items = readJsonl(out.files.get('') ?? '');
    checkRoundTrip(items, stored, 'taskId', tasks, { annotator: true });
    for (const item of items) assert.equal(item.annotations[0]?.leadTimeMs, stored.get(item.taskId)?.leadTimeMs);
    assert.equal(items[2]?.text, 'NewYork\tand\nParis');
  });

  it('CSV round-trips single-label classes and texts with quotes, tabs and newlines', async () => {
    const { p, tasks, stored } = await labelled(TaskType.TASK_TYPE_CLASSIFICATION, ['pos', 'neg'], texts, [cls('pos'), cls('neg')]);
    const out = await readExport(svc.client, { projectId: p.id, format: F.EXPORT_FORMAT_CSV, resolution: R.RESOLUTION_LATEST });
    const items = readCsv(out.files.get('') ?? '', TaskType.TASK_TYPE_CLASSIFICATION);
    checkRoundTrip(items, stored, 'taskId', tasks, { annotator: true });
    assert.deepEqual(
      items.map((i) => i.text),
      texts.map((t) => Buffer.from(t.data as Uint8Array).toString()),
    );
  });

  it('Label Studio JSON round-trips spans with annotator and lead time', async () => {
    const { p, tasks, stored } = await labelled(TaskType.TASK_TYPE_NER, ['PER', 'LOC'], texts.slice(0, 1), [spans([0, 12, 'PER'], [17, 32, 'PER'], [36, 42, 'LOC'])]);
    const out = await readExport(svc.client, { projectId: p.id, format: F.EXPORT_FORMAT_LABEL_STUDIO_JSON, resolution: R.RESOLUTION_ALL });
    const items = readLabelStudio(out.files.get('') ?? '');
    checkRoundTrip(items, stored, 'taskId', tasks, { annotator: true });
    assert.equal(items[0]?.annotations[0]?.leadTimeMs, 1000);
  });

  it('CoNLL-2003 round-trips spans exactly, adjacent spans and spans at token edges included', async () => {
    const records = [textRecord('c1', 'NewYorkCity is big'), textRecord('c2', 'Ada Lovelace, London.')];
    const values = [spans([0, 7, 'LOC'], [7, 11, 'LOC']), spans([0, 12, 'PER'], [14, 20, 'LOC'])];
    const p = await api.createProject({ name: 'conll', labelConfig: { taskType: TaskType.TASK_TYPE_NER, classes: [C('PER'), C('LOC')] } });
    await api.importTasks({ projectId: p.id, records });
    const tasks = (await api.listTasks({ projectId: p.id })).tasks;
    const stored = new Map<string, labeling.Annotation>();
    for (const [i, t] of tasks.entries()) stored.set(t.id, await api.submit({ taskId: t.id, annotator: 'a', value: values[i] }));
    const out = await readExport(svc.client, { projectId: p.id, format: F.EXPORT_FORMAT_CONLL2003 });
    const text = out.files.get('') ?? '';
    assert.match(text, /^NewYork -X- _ B-LOC\nCity -X- _ B-LOC\nis -X- _ O\nbig -X- _ O$/m, 'adjacent spans of one type: two B- tags');
    assert.match(text, /^Ada -X- _ B-PER\nLovelace -X- _ I-PER\n, -X- _ O\nLondon -X- _ B-LOC\n\. -X- _ O$/m);
    checkRoundTrip(readConll(text), stored, 'recordId', tasks, { annotator: false });
  });

  const images = [0, 1, 2].map((i) => ({ id: `img${i}`, data: Buffer.from([i]), contentType: 'image/png', metadata: { width: '640', height: '480' } }));
  const boxValues = [boxes(['car', 0.1, 0.2, 0.3, 0.4], ['person', 0.5, 0.5, 0.25, 0.5]), boxes(['person', 0.3333, 0.1, 0.2, 0.7]), boxes()];

  it('COCO round-trips boxes through pixel coordinates', async () => {
    const { p, tasks, stored } = await labelled(TaskType.TASK_TYPE_BBOX, ['car', 'person'], images, boxValues);
    const out = await readExport(svc.client, { projectId: p.id, format: F.EXPORT_FORMAT_COCO });
    const doc = JSON.parse(out.files.get('') ?? '') as { categories: { id: number; name: string }[]; annotations: { bbox: number[] }[] };
    assert.deepEqual(doc.categories.map((c) => [c.id, c.name]), [
      [1, 'car'],
      [2, 'person'],
    ]);
    assert.deepEqual(doc.annotations[0]?.bbox.map((v) => Math.round(v * 1e6) / 1e6), [64, 96, 192, 192]);
    checkRoundTrip(readCoco(out.files.get('') ?? '', 'bbox'), stored, 'taskId', tasks, { annotator: false });
  });

  it('YOLO writes classes.txt and one label file per image, and round-trips the boxes', async () => {
    const { p, tasks, stored } = await labelled(TaskType.TASK_TYPE_BBOX, ['car', 'person'], images, boxValues);
    const out = await readExport(svc.client, { projectId: p.id, format: F.EXPORT_FORMAT_YOLO });
    assert.equal(out.files.get('classes.txt'), 'car\nperson\n');
    assert.equal(out.files.size, 4);
    checkRoundTrip(readYolo(out.files), stored, 'taskId', tasks, { annotator: false });
  });

  it('streams in chunks no larger than chunk_size', async () => {
    const many = Array.from({ length: 300 }, (_, i) => textRecord(`m${i}`, `record number ${i} `.repeat(5)));
    const { p } = await labelled(TaskType.TASK_TYPE_CLASSIFICATION, ['a', 'b'], many, [cls('a'), cls('b')]);
    const out = await readExport(svc.client, { projectId: p.id, format: F.EXPORT_FORMAT_JSONL, chunkSize: 4096 });
    assert.ok(out.chunks > 10, `${out.chunks} chunks`);
    assert.ok(out.maxChunk <= 4096);
    assert.equal(readJsonl(out.files.get('') ?? '').length, 300);
  });

  it('refuses a format that cannot hold the task type, and RESOLUTION_ALL where a task holds one annotation', async () => {
    const p = await api.createProject({ name: 'c', labelConfig: { taskType: TaskType.TASK_TYPE_CLASSIFICATION, classes: [C('a')] } });
    assert.equal((await refusal(readExport(svc.client, { projectId: p.id, format: F.EXPORT_FORMAT_COCO }))).field, 'format');
    assert.equal((await refusal(readExport(svc.client, { projectId: p.id, format: F.EXPORT_FORMAT_CSV, resolution: R.RESOLUTION_ALL }))).field, 'resolution');
  });
});
