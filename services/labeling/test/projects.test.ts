/**
 * Projects and their label schema through a real labeling service over gRPC:
 * every task type is accepted with its defaults written out, bad schemas and
 * bad annotations are refused with INVALID_ARGUMENT naming the field, and
 * nothing of a refused request is stored.
 */
import { strict as assert } from 'node:assert';
import { labeling } from '@l1g1/contracts';
import { boxes, calls, cls, refusal, spans, textRecord, labelClass } from './support/calls';
import { useTestLabeling, type TestLabeling } from './support/start-labeling';

const { TaskType } = labeling;
const C = labelClass;

describe('labeling: projects and annotation schema (real gRPC)', function () {
  this.timeout(30_000);
  const fixture = useTestLabeling();
  let api: ReturnType<typeof calls>;
  let svc: TestLabeling;
  before(() => {
    svc = fixture.svc;
    api = calls(svc.client);
  });

  it('creates a project of every task type with indexes assigned and defaults written out', async () => {
    for (const taskType of [TaskType.TASK_TYPE_CLASSIFICATION, TaskType.TASK_TYPE_MULTI_LABEL_CLASSIFICATION, TaskType.TASK_TYPE_NER, TaskType.TASK_TYPE_BBOX]) {
      const p = await api.createProject({ name: `p${taskType}`, labelConfig: { taskType, classes: [C('a'), C('b')], annotationsPerTask: 0, reservationS: 0 } });
      assert.deepEqual(
        p.labelConfig?.classes.map((c) => [c.name, c.index]),
        [
          ['a', 0],
          ['b', 1],
        ],
      );
      assert.equal(p.labelConfig?.annotationsPerTask, 1);
      assert.equal(p.labelConfig?.reservationS, 600);
      assert.equal(p.labelConfig?.overlapFraction, 1);
      assert.equal((await api.getProject(p.id)).name, `p${taskType}`);
    }
    const free = await api.createProject({ name: 'answers', labelConfig: { taskType: TaskType.TASK_TYPE_FREE_TEXT, classes: [] } });
    assert.equal(free.labelConfig?.taskType, TaskType.TASK_TYPE_FREE_TEXT);
  });

  const badSchemas: { title: string; config: Partial<labeling.LabelConfig>; field: string }[] = [
    { title: 'no task type', config: { classes: [C('a')] }, field: 'label_config.task_type' },
    { title: 'no classes for classification', config: { taskType: TaskType.TASK_TYPE_CLASSIFICATION, classes: [] }, field: 'label_config.classes' },
    { title: 'a duplicate class', config: { taskType: TaskType.TASK_TYPE_NER, classes: [C('PER'), C('PER')] }, field: 'label_config.classes[1].name' },
    { title: 'an empty class name', config: { taskType: TaskType.TASK_TYPE_BBOX, classes: [C(' ')] }, field: 'label_config.classes[0].name' },
    { title: 'overlap k of 101', config: { taskType: TaskType.TASK_TYPE_CLASSIFICATION, classes: [C('a')], annotationsPerTask: 101 }, field: 'label_config.annotations_per_task' },
    { title: 'an overlap fraction above 1', config: { taskType: TaskType.TASK_TYPE_CLASSIFICATION, classes: [C('a')], overlapFraction: 1.5 }, field: 'label_config.overlap_fraction' },
  ];
  for (const b of badSchemas) {
    it(`refuses a schema with ${b.title}, naming ${b.field}, and stores nothing`, async () => {
      const before = (await api.listProjects({ page: { pageSize: 1000, pageToken: '' } })).projects.length;
      const err = await refusal(api.createProject({ name: 'bad', labelConfig: labeling.LabelConfig.fromPartial(b.config) }));
      assert.equal(err.kind, 'INVALID_ARGUMENT');
      assert.equal(err.field, b.field);
      assert.equal((await api.listProjects({ page: { pageSize: 1000, pageToken: '' } })).projects.length, before);
    });
  }

  it('adds and renames classes without moving indexes, and refuses renaming to a taken name', async () => {
    const p = await api.createProject({ name: 'grow', labelConfig: { taskType: TaskType.TASK_TYPE_CLASSIFICATION, classes: [C('cat'), C('dog')] } });
    const u = await api.updateProject({ projectId: p.id, addClasses: [C('bird')], renameClasses: [{ from: 'cat', to: 'kitten' }], tags: { team: 'x' } });
    assert.deepEqual(
      u.labelConfig?.classes.map((c) => [c.name, c.index]),
      [
        ['kitten', 0],
        ['dog', 1],
        ['bird', 2],
      ],
    );
    assert.deepEqual(u.tags, { team: 'x' });
    const err = await refusal(api.updateProject({ projectId: p.id, renameClasses: [{ from: 'dog', to: 'bird' }] }));
    assert.equal(err.field, 'rename_classes[0].to');
    assert.equal((await api.getProject(p.id)).labelConfig?.classes[1]?.name, 'dog', 'the refused update changed nothing');
  });

  it('renames a class in the stored annotations and their history too, so they stay valid', async () => {
    const p = await api.createProject({ name: 'ren', labelConfig: { taskType: TaskType.TASK_TYPE_CLASSIFICATION, classes: [C('cat'), C('dog')] } });
    await api.importTasks({ projectId: p.id, records: [textRecord('q1', 'meow')] });
    const taskId = (await api.listTasks({ projectId: p.id })).tasks[0]?.id ?? '';
    const first = await api.submit({ taskId, annotator: 'a', value: cls('dog') });
    await api.submit({ taskId, annotator: 'a', value: cls('cat'), annotationId: first.id });
    await api.updateProject({ projectId: p.id, renameClasses: [{ from: 'cat', to: 'kitten' }, { from: 'dog', to: 'puppy' }] });
    const [a] = (await api.listAnnotations({ taskId })).annotations;
    assert.deepEqual(a?.value, cls('kitten'));
    assert.deepEqual(a?.history[0]?.value, cls('puppy'));
    // The renamed value still validates against the schema: replacing it with itself is accepted.
    await api.submit({ taskId, annotator: 'a', value: a?.value, annotationId: a?.id ?? '' });
  });

  describe('annotations are validated against the schema', () => {
    let ner: labeling.Project;
    let bbox: labeling.Project;
    let single: labeling.Project;
    let multi: labeling.Project;
    const taskOf = async (projectId: string) => (await api.listTasks({ projectId })).tasks[0]?.id ?? '';
    before(async () => {
      ner = await api.createProject({ name: 'ner', labelConfig: { taskType: TaskType.TASK_TYPE_NER, classes: [C('PER'), C('LOC')] } });
      await api.importTasks({ projectId: ner.id, records: [textRecord('r1', 'Ada Lovelace lived in London.')] });
      bbox = await api.createProject({ name: 'boxes', labelConfig: { taskType: TaskType.TASK_TYPE_BBOX, classes: [C('car')] } });
      await api.importTasks({ projectId: bbox.id, records: [{ id: 'img1', data: Buffer.from([1, 2, 3]), contentType: 'image/png', metadata: { width: '640', height: '480' } }] });
      single = await api.createProject({ name: 'single', labelConfig: { taskType: TaskType.TASK_TYPE_CLASSIFICATION, classes: [C('spam'), C('ham')] } });
      await api.importTasks({ projectId: single.id, records: [textRecord('m1', 'buy now')] });
      multi = await api.createProject({ name: 'multi', labelConfig: { taskType: TaskType.TASK_TYPE_MULTI_LABEL_CLASSIFICATION, classes: [C('a'), C('b')] } });
      await api.importTasks({ projectId: multi.id, records: [textRecord('m1', 'x')] });
    });

    const cases: { title: string; project: () => labeling.Project; value: () => labeling.AnnotationValue; field: string }[] = [
      { title: 'a span ending past the text', project: () => ner, value: () => spans([0, 3, 'PER'], [22, 28, 'LOC'], [22, 99, 'LOC']), field: 'value.ner.spans[2].end' },
      { title: 'a span with an unknown type', project: () => ner, value: () => spans([0, 3, 'ORG']), field: 'value.ner.spans[0].label' },
      { title: 'an empty span', project: () => ner, value: () => spans([4, 4, 'PER']), field: 'value.ner.spans[0].end' },
      { title: 'overlapping spans', project: () => ner, value: () => spans([0, 12, 'PER'], [4, 12, 'PER']), field: 'value.ner.spans[1].start' },
      {
        title: 'a span whose text does not match the offsets',
        project: () => ner,
        value: () => ({ value: { $case: 'ner', value: { spans: [{ start: 0, end: 3, label: 'PER', text: 'Bob' }] } } }),
        field: 'value.ner.spans[0].text',
      },
      { title: 'a box outside the image', project: () => bbox, value: () => boxes(['car', 0.5, 0.5, 0.6, 0.1]), field: 'value.bbox.boxes[0].width' },
      { title: 'a box with a negative corner', project: () => bbox, value: () => boxes(['car', 0.1, -0.2, 0.1, 0.1]), field: 'value.bbox.boxes[0].y' },
      { title: 'an unknown class', project: () => single, value: () => cls('eggs'), field: 'value.classification.labels[0]' },
      { title: 'two classes in a single-label project', project: () => single, value: () => cls('spam', 'ham'), field: 'value.classification.labels' },
      { title: 'a repeated class in a multi-label project', project: () => multi, value: () => cls('a', 'a'), field: 'value.classification.labels[1]' },
      { title: 'spans in a classification project', project: () => single, value: () => spans([0, 3, 'spam']), field: 'value.ner' },
    ];
    for (const c of cases) {
      it(`refuses ${c.title}, naming ${c.field}, and stores nothing`, async () => {
        const taskId = await taskOf(c.project().id);
        const err = await refusal(api.submit({ taskId, annotator: 'ann', value: c.value() }));
        assert.equal(err.kind, 'INVALID_ARGUMENT');
        assert.equal(err.field, c.field);
        assert.equal((await api.listAnnotations({ taskId })).annotations.length, 0);
        assert.equal((await api.getTask(taskId)).annotationCount, 0);
      });
    }

    it('accepts valid values and fills in the covered text of spans', async () => {
      const a = await api.submit({ taskId: await taskOf(ner.id), annotator: 'ann', value: spans([0, 12, 'PER'], [22, 28, 'LOC']), leadTimeMs: 1500 });
      const v = a.value?.value;
      assert.equal(v?.$case, 'ner');
      assert.deepEqual(
        v?.$case === 'ner' && v.value.spans.map((s) => s.text),
        ['Ada Lovelace', 'London'],
      );
      assert.equal(a.leadTimeMs, 1500);
      const b = await api.submit({ taskId: await taskOf(bbox.id), annotator: 'ann', value: boxes(['car', 0.5, 0.5, 0.5, 0.5]) });
      assert.equal(b.value?.value?.$case, 'bbox');
      assert.equal((await api.getTask(await taskOf(bbox.id))).imageWidth, 640);
    });
  });

  it('refuses deleting a project with annotations unless forced, then deletes everything', async () => {
    const p = await api.createProject({ name: 'doomed', labelConfig: { taskType: TaskType.TASK_TYPE_CLASSIFICATION, classes: [C('a')] } });
    await api.importTasks({ projectId: p.id, records: [textRecord('d1', 'one'), textRecord('d2', 'two')] });
    const t = (await api.listTasks({ projectId: p.id })).tasks[0];
    await api.submit({ taskId: t?.id ?? '', annotator: 'x', value: cls('a') });
    const err = await refusal(api.deleteProject(p.id));
    assert.equal(err.kind, 'FAILED_PRECONDITION');
    const out = await api.deleteProject(p.id, true);
    assert.deepEqual([out.deletedTasks, out.deletedAnnotations], [2, 1]);
    assert.equal((await refusal(api.getProject(p.id))).kind, 'NOT_FOUND');
  });

  it('names bad ids and page tokens as INVALID_ARGUMENT, unknown ones as NOT_FOUND', async () => {
    assert.equal((await refusal(api.getProject('../etc/passwd'))).field, 'project_id');
    assert.equal((await refusal(api.getProject('prj_000000000aaaaaaaaaaaaaaaa'))).kind, 'NOT_FOUND');
    assert.equal((await refusal(api.listProjects({ page: { pageSize: 1, pageToken: 'bogus!' } }))).field, 'page.page_token');
  });
});
