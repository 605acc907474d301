/**
 * ComputeAgreement and the review queue of a bounding-box project through a
 * real labeling service over gRPC: box F1 and mean IoU between two
 * annotators on hand-checked boxes (a match at IoU 1/2, two boxes that only
 * touch, the same place with different classes), the threshold from the
 * request, Cohen's kappa on box units, and the box consensus deciding what
 * waits for review.
 */
import { strict as assert } from 'node:assert';
import { labeling } from '@l1g1/contracts';
import { boxes, calls, cls, labelClass, refusal } from './support/calls';
import { useTestLabeling } from './support/start-labeling';

const { TaskType, AgreementMetric: M } = labeling;

const image = (id: string) => ({ id, data: Buffer.from([0x89, 0x50, 0x4e, 0x47, Number(id.slice(-1))]), contentType: 'image/png', metadata: { width: '640', height: '480' } });

describe('labeling: box agreement and box consensus (real gRPC)', function () {
  this.timeout(30_000);
  const fixture = useTestLabeling();
  let api: ReturnType<typeof calls>;
  before(() => {
    api = calls(fixture.svc.client);
  });

  /** Three images labelled by ann and bob: t1 agree at IoU 1/2, t2 touching boxes, t3 same box other class. */
  async function carsProject() {
    const p = await api.createProject({ name: 'cars', labelConfig: { taskType: TaskType.TASK_TYPE_BBOX, classes: [labelClass('car'), labelClass('bus')], annotationsPerTask: 2 } });
    await api.importTasks({ projectId: p.id, records: [image('img1'), image('img2'), image('img3')] });
    const tasks = (await api.listTasks({ projectId: p.id })).tasks;
    const byRecord = new Map(tasks.map((t) => [t.record?.id, t.id]));
    const [t1, t2, t3] = ['img1', 'img2', 'img3'].map((r) => byRecord.get(r) ?? '');
    await api.submit({ taskId: t1, annotator: 'ann', value: boxes(['car', 0, 0, 0.5, 0.5]) });
    await api.submit({ taskId: t1, annotator: 'bob', value: boxes(['car', 0, 0, 0.5, 0.25]) });
    await api.submit({ taskId: t2, annotator: 'ann', value: boxes(['car', 0, 0, 0.25, 0.25]) });
    await api.submit({ taskId: t2, annotator: 'bob', value: boxes(['car', 0.25, 0, 0.25, 0.25]) });
    await api.submit({ taskId: t3, annotator: 'ann', value: boxes(['car', 0, 0, 0.5, 0.5]) });
    await api.submit({ taskId: t3, annotator: 'bob', value: boxes(['bus', 0, 0, 0.5, 0.5]) });
    return { p, t1, t2, t3 };
  }

  it('reports box F1, precision, recall and mean IoU (BOX_F1 by default) and takes the IoU threshold from the request', async () => {
    const { p } = await carsProject();
    const r = await api.agreement({ projectId: p.id });
    assert.equal(r.metric, M.AGREEMENT_METRIC_BOX_F1, 'box projects default to box F1');
    // 1 match of 3 boxes each: F1 = 2 · 1 / 6.
    assert.equal(r.kappa, 1 / 3);
    assert.equal(r.tasksCompared, 3);
    assert.equal(r.meanIou, 0.5);
    assert.equal(r.iouThreshold, 0.5);
    assert.deepEqual(
      r.pairs.map((x) => [x.annotatorA, x.annotatorB, x.sharedTasks, x.precision, x.recall, x.meanIou]),
      [['ann', 'bob', 3, 1 / 3, 1 / 3, 0.5]],
    );
    const strict = await api.agreement({ projectId: p.id, metric: M.AGREEMENT_METRIC_BOX_F1, iouThreshold: 0.6 });
    assert.deepEqual([strict.kappa, strict.meanIou, strict.iouThreshold], [0, 0, 0.6], 'IoU 1/2 is no match at 0.6');
  });

  it("computes Cohen's kappa on box units: matched objects by class, an unmatched box against none (−1/3 by hand)", async () => {
    const { p } = await carsProject();
    // Units (ann, bob): (car, car), (car, none), (none, car), (car, bus): p_o = 1/4, p_e = 0.75·0.5 + 0.25·0.25 = 7/16.
    const r = await api.agreement({ projectId: p.id, metric: M.AGREEMENT_METRIC_COHEN_KAPPA });
    assert.equal(r.unitsCompared, 4);
    assert.ok(Math.abs(r.kappa - -1 / 3) < 1e-12, String(r.kappa));
    assert.ok(Math.abs(r.observedAgreement - 0.25) < 1e-12);
  });

  it('sends only the disagreeing images to review (boxes matched within the threshold agree), and gold settles one', async () => {
    const { p, t2, t3 } = await carsProject();
    const review = await api.reviewQueue({ projectId: p.id });
    assert.deepEqual(new Set(review.items.map((i) => i.taskId)), new Set([t2, t3]), 'boxes at IoU 1/2 agree; touching boxes and other classes do not');
    assert.deepEqual(
      review.items.map((i) => [i.agreement, i.distinctValues]),
      [
        [0, 2],
        [0, 2],
      ],
    );
    await api.submit({ taskId: t2, annotator: 'rev', gold: true, value: boxes(['car', 0, 0, 0.25, 0.25]) });
    assert.deepEqual(
      (await api.reviewQueue({ projectId: p.id })).items.map((i) => i.taskId),
      [t3],
    );
  });

  it('refuses box F1 outside box projects and a bad IoU threshold, naming the field', async () => {
    const c = await api.createProject({ name: 'c', labelConfig: { taskType: TaskType.TASK_TYPE_CLASSIFICATION, classes: [labelClass('a')], annotationsPerTask: 2 } });
    await api.importTasks({ projectId: c.id, records: [{ id: 'z', data: Buffer.from('z'), contentType: 'text/plain', metadata: {} }] });
    const t = (await api.listTasks({ projectId: c.id })).tasks[0]?.id ?? '';
    await api.submit({ taskId: t, annotator: 'x', value: cls('a') });
    await api.submit({ taskId: t, annotator: 'y', value: cls('a') });
    assert.equal((await refusal(api.agreement({ projectId: c.id, metric: M.AGREEMENT_METRIC_BOX_F1 }))).field, 'metric');
    const { p } = await carsProject();
    for (const bad of [0, 1.5, -0.1]) {
      const err = await refusal(api.agreement({ projectId: p.id, iouThreshold: bad }));
      assert.equal(err.kind, 'INVALID_ARGUMENT');
      assert.equal(err.field, 'iou_threshold');
    }
  });
});
