/**
 * Pre-labels and active learning through real services: a softmax model with
 * known weights in the model registry (`animals@production`), served by the
 * inference service, pre-labels 1,000 uploaded tasks as a job; the queue
 * orders by the stored uncertainties and re-orders when the alias moves to a
 * newer version and a new run lands; annotators accepting or correcting a
 * pre-label are recorded. Expected scores are worked out here from the
 * weights (float64; the model computes in float32).
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { common, labeling } from '@l1g1/contracts';
import { buildMlpWithWeights, type MlpLayer } from '@l1g1/onnx';
import { setAlias, uploadModel } from '../../../test/support/stack';
import { softmaxLayer } from '../../evaluator/test/support/eval-data';
import { uncertaintyOf } from '../src/active-learning/uncertainty';
import { findLabelIssues } from '../src/label-issues/confident-learning';
import { calls, cls, labelClass, refusal } from './support/calls';
import { mlCalls, startMlStack, waitForJob, type MlStack } from './support/ml-stack';

const DIM = 6;
const TASKS = 1000;
const CLASSES = ['cat', 'dog', 'eel'];
const S = labeling.ActiveLearningStrategy;

function features(i: number): number[] {
  return Array.from({ length: DIM }, (_, d) => Math.round(Math.sin(i * 12.9898 + d * 78.233) * 2e4) / 1e4);
}

describe('labeling: pre-labels and active learning through the inference service', function () {
  this.timeout(180_000);
  let s: MlStack;
  let api: ReturnType<typeof calls>;
  let ml: ReturnType<typeof mlCalls>;
  let v1: MlpLayer;
  let v2: MlpLayer;
  let projectId: string;
  /** record id → features */
  const rows = new Map<string, number[]>();
  /** task id → record id */
  const taskRecord = new Map<string, string>();

  before(async () => {
    // A short lease so a cancel is seen within a heartbeat or two.
    s = await startMlStack({ L1G1_LABELING_JOB_LEASE_MS: '1500', L1G1_LABELING_PREDICT_CONCURRENCY: '4' });
    api = calls(s.labeling.client);
    ml = mlCalls(s.labeling.client);
    const m1 = buildMlpWithWeights({ inputSize: DIM, hiddenSizes: [], outputSize: 3, softmax: true, seed: 7 });
    const m2 = buildMlpWithWeights({ inputSize: DIM, hiddenSizes: [], outputSize: 3, softmax: true, seed: 99 });
    v1 = m1.layers[0] as MlpLayer;
    v2 = m2.layers[0] as MlpLayer;
    await uploadModel(s.stack.registry, 'animals', m1.bytes, { alias: 'production' });
    await uploadModel(s.stack.registry, 'animals', m2.bytes);
    await uploadModel(s.stack.registry, 'binary', buildMlpWithWeights({ inputSize: DIM, hiddenSizes: [], outputSize: 2, softmax: true }).bytes, { alias: 'production' });
    const p = await api.createProject({ name: 'animals', labelConfig: { taskType: labeling.TaskType.TASK_TYPE_CLASSIFICATION, classes: CLASSES.map(labelClass) } });
    projectId = p.id;
    const records = Array.from({ length: TASKS }, (_, i) => {
      const id = createHash('sha256').update(`r${i}`).digest('hex').slice(0, 16);
      rows.set(id, features(i));
      return { id, data: Buffer.from(JSON.stringify(features(i))), contentType: 'application/json', metadata: {} };
    });
    assert.equal((await api.importTasks({ projectId, records })).imported, TASKS);
    let token = '';
    do {
      const page = await api.listTasks({ projectId, page: { pageSize: 1000, pageToken: token } });
      for (const t of page.tasks) taskRecord.set(t.id, t.record?.id ?? '');
      token = page.page?.nextPageToken ?? '';
    } while (token !== '');
  });
  after(async () => s?.close());

  const expected = (layer: MlpLayer, taskId: string): number[] => softmaxLayer(layer, rows.get(taskRecord.get(taskId) ?? '') ?? []);

  /** Task ids of the whole project in the given order (paged by 300). */
  async function ordered(order: labeling.ActiveLearningStrategy): Promise<labeling.Task[]> {
    const out: labeling.Task[] = [];
    let token = '';
    do {
      const page = await api.listTasks({ projectId, order, page: { pageSize: 300, pageToken: token } });
      out.push(...page.tasks);
      token = page.page?.nextPageToken ?? '';
    } while (token !== '');
    return out;
  }

  it('a pre-label run over 1,000 tasks resolves name@alias at start, predicts in batches through inference, reports progress and stores the scores', async () => {
    const job = await ml.createPrelabels({ projectId, model: { name: 'animals', selector: { $case: 'alias', value: 'production' } }, batchSize: 64 });
    assert.equal(job.kind, labeling.LabelingJobKind.LABELING_JOB_KIND_PRELABEL);
    const done = await waitForJob(ml.getJob, job.status?.jobId ?? '');
    assert.equal(done.status?.state, common.JobState.JOB_STATE_SUCCEEDED, done.status?.error?.message);
    assert.equal(done.result?.$case, 'prelabelResult');
    const result = done.result?.$case === 'prelabelResult' ? done.result.value : undefined;
    assert.deepEqual({ predicted: result?.predicted, skipped: result?.skipped, failed: result?.failed }, { predicted: TASKS, skipped: 0, failed: 0 });
    assert.deepEqual(result?.model, { name: 'animals', selector: { $case: 'version', value: 1 } });
    assert.equal(done.status?.counters['tasks_done'], TASKS);
    // Progress events were recorded as batches returned (not only at the end).
    const events = await s.labeling.service.deps.jobs.readEvents(job.status?.jobId ?? '', 0, 256);
    const fractions = events.filter((e) => e.type === 'progress').map((e) => (e.data as { fraction: number }).fraction);
    assert.ok(fractions.length >= 5, `expected several progress events, got ${fractions.length}`);
    assert.deepEqual(fractions, [...fractions].sort((a, b) => a - b));
    // Every task shows its pre-label: model version, class scores as the weights give them, the top class.
    const tasks = await ordered(S.ACTIVE_LEARNING_STRATEGY_SEQUENTIAL);
    assert.equal(tasks.length, TASKS);
    for (const t of tasks) {
      const p = expected(v1, t.id);
      assert.deepEqual(t.prediction?.model, { name: 'animals', selector: { $case: 'version', value: 1 } });
      CLASSES.forEach((c, j) => assert.ok(Math.abs((t.prediction?.classScores[c] ?? -1) - (p[j] as number)) < 1e-5, `${t.id} ${c}`));
      const top = CLASSES[p.indexOf(Math.max(...p))] as string;
      assert.deepEqual(t.prediction?.value, cls(top));
      assert.ok(Math.abs((t.prediction?.score ?? 0) - Math.max(...p)) < 1e-5);
    }
    const one = await api.getTask(tasks[0]?.id ?? '');
    assert.deepEqual(one.prediction?.classScores, tasks[0]?.prediction?.classScores);
  });

  it('ListTasks orders by least confidence, margin or entropy as the stored scores say', async () => {
    const checks: [labeling.ActiveLearningStrategy, (p: number[]) => number, 'desc' | 'asc'][] = [
      [S.ACTIVE_LEARNING_STRATEGY_UNCERTAINTY, (p) => uncertaintyOf(p).leastConfidence, 'desc'],
      [S.ACTIVE_LEARNING_STRATEGY_MARGIN, (p) => uncertaintyOf(p).margin, 'asc'],
      [S.ACTIVE_LEARNING_STRATEGY_ENTROPY, (p) => uncertaintyOf(p).entropy, 'desc'],
    ];
    for (const [order, measure, dir] of checks) {
      const list = await ordered(order);
      assert.equal(list.length, TASKS);
      assert.equal(new Set(list.map((t) => t.id)).size, TASKS, 'offset paging neither repeats nor drops a task');
      const values = list.map((t) => measure(expected(v1, t.id)));
      for (let i = 1; i < values.length; i++) {
        const ok = dir === 'desc' ? (values[i] as number) <= (values[i - 1] as number) + 1e-6 : (values[i] as number) >= (values[i - 1] as number) - 1e-6;
        assert.ok(ok, `order ${order}: position ${i} breaks the order (${values[i - 1]} then ${values[i]})`);
      }
    }
  });

  it('NextTask hands out the most uncertain task first (default strategy once pre-labels exist) with its score', async () => {
    const all = await ordered(S.ACTIVE_LEARNING_STRATEGY_SEQUENTIAL);
    const byHand = all.map((t) => ({ id: t.id, u: uncertaintyOf(expected(v1, t.id)).leastConfidence })).sort((a, b) => b.u - a.u);
    const next = await ml.nextTask({ projectId, annotator: 'ann-1' });
    assert.equal(next.strategy, S.ACTIVE_LEARNING_STRATEGY_UNCERTAINTY);
    assert.equal(next.task?.id, byHand[0]?.id);
    assert.ok(Math.abs(next.score - (byHand[0]?.u ?? 0)) < 1e-5);
    const byEntropy = all.map((t) => ({ id: t.id, h: uncertaintyOf(expected(v1, t.id)).entropy })).sort((a, b) => b.h - a.h);
    const second = await ml.nextTask({ projectId, annotator: 'ann-2', strategy: S.ACTIVE_LEARNING_STRATEGY_ENTROPY });
    const expectId = byEntropy.find((x) => x.id !== next.task?.id)?.id;
    // ann-1 holds the top task only if it is also the entropy top; a k = 1 task reserved by another is not offered.
    assert.equal(second.task?.id, byEntropy[0]?.id === next.task?.id ? expectId : byEntropy[0]?.id);
  });

  it('an annotator accepting a pre-label is recorded with its model version; a correction is recorded as not accepted', async () => {
    const next = await ml.nextTask({ projectId, annotator: 'ann-1' });
    const task = next.task as labeling.Task;
    const accepted = await api.submit({ taskId: task.id, annotator: 'ann-1', value: task.prediction?.value, fromPrelabel: true, leadTimeMs: 900 });
    assert.equal(accepted.prelabelAcceptedUnchanged, true);
    assert.deepEqual(accepted.prelabelModel, { name: 'animals', selector: { $case: 'version', value: 1 } });
    const other = (await ml.nextTask({ projectId, annotator: 'ann-3' })).task as labeling.Task;
    const top = other.prediction?.value?.value?.$case === 'classification' ? other.prediction.value.value.value.labels[0] : '';
    const corrected = await api.submit({ taskId: other.id, annotator: 'ann-3', value: cls(CLASSES.find((c) => c !== top) as string), fromPrelabel: true });
    assert.equal(corrected.prelabelAcceptedUnchanged, false);
    assert.deepEqual(corrected.prelabelModel?.name, 'animals');
    const listed = await api.listAnnotations({ taskId: task.id });
    assert.equal(listed.annotations[0]?.prelabelAcceptedUnchanged, true);
  });

  it('a run of a newer version (the alias moved) replaces the pre-labels and re-orders the queue', async () => {
    const before = (await ordered(S.ACTIVE_LEARNING_STRATEGY_UNCERTAINTY)).slice(0, 20).map((t) => t.id);
    await setAlias(s.stack.registry, 'animals', 'production', 2);
    const job = await ml.createPrelabels({ projectId, model: { name: 'animals', selector: { $case: 'alias', value: 'production' } }, includeAnnotated: true });
    const done = await waitForJob(ml.getJob, job.status?.jobId ?? '');
    assert.equal(done.status?.state, common.JobState.JOB_STATE_SUCCEEDED, done.status?.error?.message);
    const after = await ordered(S.ACTIVE_LEARNING_STRATEGY_UNCERTAINTY);
    assert.ok(after.every((t) => t.prediction?.model?.selector?.$case === 'version' && t.prediction.model.selector.value === 2));
    const byHand = after.map((t) => ({ id: t.id, u: uncertaintyOf(expected(v2, t.id)).leastConfidence }));
    for (let i = 1; i < byHand.length; i++) assert.ok((byHand[i]?.u ?? 0) <= (byHand[i - 1]?.u ?? 0) + 1e-6, `v2 order broken at ${i}`);
    assert.notDeepEqual(after.slice(0, 20).map((t) => t.id), before, 'the order follows the new version');
  });

  it('FindLabelIssues without probabilities uses the current pre-labels and names their model version', async () => {
    const open = (await api.listTasks({ projectId, state: labeling.TaskState.TASK_STATE_OPEN, page: { pageSize: 40 } })).tasks;
    // 32 labelled as the model says, 8 with a class it finds unlikely (the noisy ones).
    for (const [i, t] of open.entries()) {
      const scores = t.prediction?.classScores ?? {};
      const byScore = [...CLASSES].sort((x, y) => (scores[y] ?? 0) - (scores[x] ?? 0));
      await api.submit({ taskId: t.id, annotator: 'labeler', value: cls((i % 5 === 0 ? byScore[2] : byScore[0]) as string) });
    }
    const r = await ml.findLabelIssues({ projectId, dryRun: true });
    // The same computation over every labelled task's stored scores, done here.
    const labelled = (await ordered(S.ACTIVE_LEARNING_STRATEGY_SEQUENTIAL)).filter((t) => t.annotationCount > 0);
    const anns = new Map((await api.listAnnotations({ projectId, page: { pageSize: 1000 } })).annotations.map((a) => [a.taskId, a.value]));
    const items = labelled.map((t) => {
      const v = anns.get(t.id)?.value;
      const label = v?.$case === 'classification' ? (v.value.labels[0] as string) : '';
      return { id: t.id, label: CLASSES.indexOf(label), probabilities: CLASSES.map((c) => t.prediction?.classScores[c] ?? 0) };
    });
    assert.equal(r.tasksChecked, items.length);
    const expectedIssues = findLabelIssues(items, CLASSES.length).issues.map((i) => i.id);
    assert.ok(expectedIssues.length >= 4, `the fixture should flag most of the 8 noisy labels, got ${expectedIssues.length}`);
    assert.deepEqual(r.issues.map((i) => i.taskId).sort(), [...expectedIssues].sort());
    assert.ok(r.issues.every((i) => i.model?.name === 'animals' && i.model.selector?.$case === 'version' && i.model.selector.value === 2));
  });

  it('a run can be cancelled while it runs; the job ends cancelled', async () => {
    // One task per call: a thousand calls, long enough to cancel mid-way.
    const job = await ml.createPrelabels({ projectId, model: { name: 'animals', selector: { $case: 'version', value: 1 } }, batchSize: 1, includeAnnotated: true });
    const id = job.status?.jobId ?? '';
    for (let i = 0; i < 300 && (await ml.getJob(id)).status?.state === common.JobState.JOB_STATE_QUEUED; i++) await new Promise((r) => setTimeout(r, 50));
    await ml.cancelJob(id);
    const done = await waitForJob(ml.getJob, id);
    assert.equal(done.status?.state, common.JobState.JOB_STATE_CANCELLED);
    assert.ok((done.status?.counters['tasks_done'] ?? 0) < TASKS);
    const listed = await ml.listJobs({ projectId });
    assert.ok(listed.jobs.some((j) => j.status?.jobId === id));
  });

  it('pre-label jobs go through the shared labeling job plumbing: ListJobs filters them by kind, WatchJob streams them to the end', async () => {
    const job = await ml.createPrelabels({ projectId, model: { name: 'animals', selector: { $case: 'version', value: 2 } }, batchSize: 256, includeAnnotated: true, overwrite: true });
    const id = job.status?.jobId ?? '';
    // WatchJob (the job plumbing pre-labels did not have on their own) replays the run's events until it ends.
    const events: labeling.LabelingJobEvent[] = [];
    const watch = s.labeling.client.watchJob({ jobId: id, afterSequence: 0 });
    for await (const e of watch as AsyncIterable<labeling.LabelingJobEvent>) events.push(e);
    const last = events[events.length - 1]?.job;
    assert.equal(last?.status?.state, common.JobState.JOB_STATE_SUCCEEDED, last?.status?.error?.message);
    assert.equal(last?.kind, labeling.LabelingJobKind.LABELING_JOB_KIND_PRELABEL);
    assert.equal(last?.result?.$case, 'prelabelResult');
    assert.ok(events.some((e) => e.type === 'progress'));
    // The request reads back as asked (model by version), from the shared params.
    const got = await ml.getJob(id);
    assert.equal(got.request?.$case, 'prelabelRequest');
    assert.deepEqual(got.request?.$case === 'prelabelRequest' ? got.request.value.model : undefined, { name: 'animals', selector: { $case: 'version', value: 2 } });
    assert.equal(got.projectId, projectId);
    const prelabels = await ml.listJobs({ projectId, kind: labeling.LabelingJobKind.LABELING_JOB_KIND_PRELABEL });
    assert.ok(prelabels.jobs.some((j) => j.status?.jobId === id));
    const exports = await ml.listJobs({ projectId, kind: labeling.LabelingJobKind.LABELING_JOB_KIND_EXPORT_TO_SNAPSHOT });
    assert.ok(!exports.jobs.some((j) => j.status?.jobId === id));
  });

  it('refuses bad requests naming the field, and a model that does not fit the project', async () => {
    const alias = (name: string) => ({ name, selector: { $case: 'alias' as const, value: 'production' } });
    assert.equal((await refusal(ml.createPrelabels({ projectId, model: { name: '' } }))).field, 'model.name');
    assert.equal((await refusal(ml.createPrelabels({ projectId, model: alias('animals'), batchSize: 5000 }))).field, 'batch_size');
    assert.equal((await refusal(ml.createPrelabels({ projectId, model: alias('animals'), classNames: ['cat', 'wolf', 'eel'] }))).field, 'class_names[1]');
    const missing = await refusal(ml.createPrelabels({ projectId, model: { name: 'animals', selector: { $case: 'alias', value: 'nope' } } }));
    assert.equal(missing.kind, 'NOT_FOUND');
    const misfit = await refusal(ml.createPrelabels({ projectId, model: alias('binary') }));
    assert.equal(misfit.kind, 'FAILED_PRECONDITION');
    assert.equal(misfit.field, 'model');
    const ner = await api.createProject({ name: 'spans', labelConfig: { taskType: labeling.TaskType.TASK_TYPE_NER, classes: [labelClass('PER')] } });
    assert.equal((await refusal(ml.createPrelabels({ projectId: ner.id, model: alias('animals') }))).kind, 'FAILED_PRECONDITION');
    assert.equal((await refusal(api.listTasks({ projectId, order: S.ACTIVE_LEARNING_STRATEGY_RANDOM }))).field, 'order');
    assert.equal((await refusal(ml.getJob('job-that-does-not-exist'))).field, 'job_id');
    assert.equal((await refusal(ml.getJob('00000000-0000-4000-8000-000000000000'))).kind, 'NOT_FOUND');
    // from_prelabel on a task without a pre-label is the client's mistake.
    const bare = await api.createProject({ name: 'bare', labelConfig: { taskType: labeling.TaskType.TASK_TYPE_CLASSIFICATION, classes: CLASSES.map(labelClass) } });
    await api.importTasks({ projectId: bare.id, records: [{ id: 'x', data: Buffer.from('[1]'), contentType: 'application/json', metadata: {} }] });
    const t = (await api.listTasks({ projectId: bare.id })).tasks[0] as labeling.Task;
    assert.equal((await refusal(api.submit({ taskId: t.id, annotator: 'a', value: cls('cat'), fromPrelabel: true }))).field, 'from_prelabel');
  });
});
