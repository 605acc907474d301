/**
 * ComputeAgreement and the review queue through a real labeling service:
 * the RPC gives the same values as the metrics on the units it stored, a
 * disagreement goes to the review queue, and a gold answer settles it.
 */
import { strict as assert } from 'node:assert';
import { labeling } from '@l1g1/contracts';
import { calls, cls, refusal, spans, textRecord, labelClass } from './support/calls';
import { useTestLabeling, type TestLabeling } from './support/start-labeling';

const { TaskType, AgreementMetric: M } = labeling;
const C = labelClass;

describe('labeling: agreement and review queue (real gRPC)', function () {
  this.timeout(30_000);
  const fixture = useTestLabeling();
  let api: ReturnType<typeof calls>;
  let svc: TestLabeling;
  before(() => {
    svc = fixture.svc;
    api = calls(svc.client);
  });

  it("reports Cohen's kappa of two annotators equal to the textbook value on the same labels (0.4)", async () => {
    const p = await api.createProject({ name: 'yn', labelConfig: { taskType: TaskType.TASK_TYPE_CLASSIFICATION, classes: [C('yes'), C('no')], annotationsPerTask: 2 } });
    await api.importTasks({ projectId: p.id, records: Array.from({ length: 50 }, (_, i) => textRecord(`r${i}`, `applicant ${i}`)) });
    const tasks = (await api.listTasks({ projectId: p.id, page: { pageSize: 100, pageToken: '' } })).tasks;
    const a = [...Array(25).fill('yes'), ...Array(25).fill('no')] as string[];
    const b = [...Array(20).fill('yes'), ...Array(5).fill('no'), ...Array(10).fill('yes'), ...Array(15).fill('no')] as string[];
    for (const [i, t] of tasks.entries()) {
      await api.submit({ taskId: t.id, annotator: 'alice', value: cls(a[i] as string) });
      await api.submit({ taskId: t.id, annotator: 'bob', value: cls(b[i] as string) });
    }
    const r = await api.agreement({ projectId: p.id });
    assert.equal(r.metric, M.AGREEMENT_METRIC_COHEN_KAPPA, 'two annotators per task: Cohen by default');
    assert.ok(Math.abs(r.kappa - 0.4) < 1e-12, String(r.kappa));
    assert.ok(Math.abs(r.observedAgreement - 0.7) < 1e-12);
    assert.equal(r.tasksCompared, 50);
    assert.deepEqual(
      r.pairs.map((x) => [x.annotatorA, x.annotatorB, x.sharedTasks]),
      [['alice', 'bob', 50]],
    );
    assert.deepEqual(
      r.perLabel.map((l) => l.label),
      ['no', 'yes'],
    );
    const review = await api.reviewQueue({ projectId: p.id, page: { pageSize: 1000, pageToken: '' } });
    assert.equal(review.items.length, 15, 'the 15 disagreements wait for review');
    assert.equal(review.items[0]?.agreement, 0.5);
  });

  it('measures NER agreement on BIO tokens (Krippendorff) and on spans (F1), and gold settles a disagreement', async () => {
    const p = await api.createProject({ name: 'ner', labelConfig: { taskType: TaskType.TASK_TYPE_NER, classes: [C('PER'), C('LOC')], annotationsPerTask: 2 } });
    await api.importTasks({ projectId: p.id, records: [textRecord('n1', 'Ada met Bob in Rome'), textRecord('n2', 'Paris is big')] });
    const [t1, t2] = (await api.listTasks({ projectId: p.id })).tasks;
    await api.submit({ taskId: t1?.id ?? '', annotator: 'x', value: spans([0, 3, 'PER'], [8, 11, 'PER'], [15, 19, 'LOC']) });
    await api.submit({ taskId: t1?.id ?? '', annotator: 'y', value: spans([0, 3, 'PER'], [15, 19, 'PER']) });
    await api.submit({ taskId: t2?.id ?? '', annotator: 'x', value: spans([0, 5, 'LOC']) });
    await api.submit({ taskId: t2?.id ?? '', annotator: 'y', value: spans([0, 5, 'LOC']) });
    const f1 = await api.agreement({ projectId: p.id, metric: M.AGREEMENT_METRIC_SPAN_F1 });
    // x: 4 spans, y: 3 spans, 2 matched: F1 = 2·2 / 7.
    assert.ok(Math.abs(f1.kappa - 4 / 7) < 1e-12, String(f1.kappa));
    const alpha = await api.agreement({ projectId: p.id, metric: M.AGREEMENT_METRIC_KRIPPENDORFF_ALPHA });
    assert.equal(alpha.unitsCompared, 8, '5 + 3 tokens');
    assert.ok(alpha.kappa > 0 && alpha.kappa < 1);
    assert.deepEqual(
      (await api.reviewQueue({ projectId: p.id })).items.map((i) => i.taskId),
      [t1?.id],
    );
    await api.submit({ taskId: t1?.id ?? '', annotator: 'reviewer', gold: true, value: spans([0, 3, 'PER'], [8, 11, 'PER'], [15, 19, 'LOC']) });
    assert.equal((await api.reviewQueue({ projectId: p.id })).items.length, 0, 'gold settles the task');
    assert.equal((await api.agreement({ projectId: p.id, metric: M.AGREEMENT_METRIC_SPAN_F1 })).kappa, f1.kappa, 'gold does not count as an annotator');
  });

  it('refuses span F1 outside NER, naming the metric', async () => {
    const p = await api.createProject({ name: 'c', labelConfig: { taskType: TaskType.TASK_TYPE_CLASSIFICATION, classes: [C('a')], annotationsPerTask: 2 } });
    await api.importTasks({ projectId: p.id, records: [textRecord('z', 'z')] });
    const t = (await api.listTasks({ projectId: p.id })).tasks[0]?.id ?? '';
    await api.submit({ taskId: t, annotator: 'x', value: cls('a') });
    await api.submit({ taskId: t, annotator: 'y', value: cls('a') });
    assert.equal((await refusal(api.agreement({ projectId: p.id, metric: M.AGREEMENT_METRIC_SPAN_F1 }))).field, 'metric');
  });
});
