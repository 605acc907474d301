/**
 * ImportTasks' `label_field` through a real labeling service: each record's
 * metadata value (in ExportToSnapshot's text form) becomes a validated
 * ground-truth pre-annotation, shown as the task's pre-label with source
 * "import"; a bad value refuses the whole import naming `label_field` and the
 * record, with nothing written; an annotator can accept it like a model's.
 */
import { strict as assert } from 'node:assert';
import { labeling } from '@l1g1/contracts';
import { calls, cls, labelClass, refusal, textRecord } from './support/calls';
import { useTestLabeling } from './support/start-labeling';

const { TaskType } = labeling;

describe('labeling: ImportTasks label_field (real gRPC)', function () {
  this.timeout(30_000);
  const fixture = useTestLabeling();
  let api: ReturnType<typeof calls>;
  before(() => {
    api = calls(fixture.svc.client);
  });

  const withLabel = (id: string, text: string, label?: string) => ({ ...textRecord(id, text), metadata: label === undefined ? {} : { label } });
  const project = (name: string, taskType: labeling.TaskType, classes: string[]) => api.createProject({ name, labelConfig: { taskType, classes: classes.map(labelClass) } });
  const tasksOf = async (projectId: string) => (await api.listTasks({ projectId, page: { pageSize: 50, pageToken: '' } })).tasks;

  it('turns each record\'s metadata label into a pre-annotation with source "import" (records without one get none)', async () => {
    const p = await project('noisy', TaskType.TASK_TYPE_CLASSIFICATION, ['spam', 'ham']);
    const r = await api.importTasks({ projectId: p.id, labelField: 'label', records: [withLabel('m1', 'buy now', 'spam'), withLabel('m2', 'hello', 'ham'), withLabel('m3', 'no label')] });
    assert.equal(r.imported, 3);
    const byRecord = new Map((await tasksOf(p.id)).map((t) => [t.record?.id, t]));
    const m1 = byRecord.get('m1')?.prediction;
    assert.equal(m1?.source, 'import');
    assert.deepEqual(m1?.value, cls('spam'));
    assert.equal(m1?.model, undefined, 'no model made it');
    assert.equal(m1?.score, 1);
    assert.deepEqual(byRecord.get('m2')?.prediction?.value, cls('ham'));
    assert.equal(byRecord.get('m3')?.prediction, undefined);
    // GetTask and NextTask show it too (the page offers it to accept or correct).
    const t = byRecord.get('m1');
    assert.equal((await api.getTask(t?.id ?? '')).prediction?.source, 'import');
    const next = await api.nextTask(p.id, 'ann');
    assert.equal(next.task?.prediction?.source, 'import');
  });

  it('reads multi-label, NER and free-text values in the form ExportToSnapshot writes, validated against the schema', async () => {
    const multi = await project('multi', TaskType.TASK_TYPE_MULTI_LABEL_CLASSIFICATION, ['a', 'b', 'c']);
    await api.importTasks({ projectId: multi.id, labelField: 'tags', records: [{ ...textRecord('x', 'x'), metadata: { tags: '["a","c"]' } }] });
    assert.deepEqual((await tasksOf(multi.id))[0]?.prediction?.value, cls('a', 'c'));

    const ner = await project('ner', TaskType.TASK_TYPE_NER, ['PER', 'LOC']);
    await api.importTasks({ projectId: ner.id, labelField: 'label', records: [withLabel('n', 'Ada lives in Paris', '[[0,3,"PER"],[13,18,"LOC"]]')] });
    const v = (await tasksOf(ner.id))[0]?.prediction?.value?.value;
    assert.equal(v?.$case, 'ner');
    assert.deepEqual(v?.$case === 'ner' ? v.value.spans.map((s) => [s.start, s.end, s.label, s.text]) : [], [[0, 3, 'PER', 'Ada'], [13, 18, 'LOC', 'Paris']]);

    const free = await project('free', TaskType.TASK_TYPE_FREE_TEXT, []);
    await api.importTasks({ projectId: free.id, labelField: 'answer', records: [{ ...textRecord('f', 'q?'), metadata: { answer: 'forty-two' } }] });
    const fv = (await tasksOf(free.id))[0]?.prediction?.value?.value;
    assert.deepEqual(fv?.$case === 'freeText' ? fv.value.text : '', 'forty-two');
  });

  it('refuses a bad value naming label_field and the record, and writes nothing of the import', async () => {
    const p = await project('strict', TaskType.TASK_TYPE_CLASSIFICATION, ['spam', 'ham']);
    const unknown = await refusal(api.importTasks({ projectId: p.id, labelField: 'label', records: [withLabel('ok', 'a', 'spam'), withLabel('bad-one', 'b', 'eggs')] }));
    assert.equal(unknown.kind, 'INVALID_ARGUMENT');
    assert.equal(unknown.field, 'label_field');
    assert.match(unknown.message, /bad-one/);
    assert.match(unknown.message, /records\[1\]/);
    assert.match(unknown.message, /eggs/);
    assert.equal((await tasksOf(p.id)).length, 0, 'nothing imported');

    const ner = await project('strict-ner', TaskType.TASK_TYPE_NER, ['PER']);
    const outside = await refusal(api.importTasks({ projectId: ner.id, labelField: 'label', records: [withLabel('n1', 'short', '[[0,99,"PER"]]')] }));
    assert.equal(outside.field, 'label_field');
    assert.match(outside.message, /n1/);
    const notJson = await refusal(api.importTasks({ projectId: ner.id, labelField: 'label', records: [withLabel('n2', 'short', 'PER')] }));
    assert.equal(notJson.field, 'label_field');
    assert.equal((await tasksOf(ner.id)).length, 0);
  });

  it('an annotator accepts the imported label like a pre-label (from_prelabel, accepted unchanged) or corrects it', async () => {
    const p = await api.createProject({ name: 'accept', labelConfig: { taskType: TaskType.TASK_TYPE_CLASSIFICATION, classes: [labelClass('spam'), labelClass('ham')], annotationsPerTask: 2 } });
    await api.importTasks({ projectId: p.id, labelField: 'label', records: [withLabel('m', 'buy', 'spam')] });
    const [t] = await tasksOf(p.id);
    const kept = await api.submit({ taskId: t?.id ?? '', annotator: 'a', value: cls('spam'), fromPrelabel: true });
    assert.equal(kept.prelabelModel, undefined, 'no model to credit');
    assert.equal(kept.prelabelAcceptedUnchanged, true);
    const corrected = await api.submit({ taskId: t?.id ?? '', annotator: 'b', value: cls('ham'), fromPrelabel: true });
    assert.equal(corrected.prelabelAcceptedUnchanged, false);
    // Not a gold answer: the two annotators' labels still disagree, and nobody's answer was overruled.
    assert.equal((await api.listAnnotations({ taskId: t?.id ?? '', page: { pageSize: 10, pageToken: '' } })).annotations.filter((a) => a.gold).length, 0);
  });
});
