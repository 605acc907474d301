/**
 * Label issues by confident learning on a fixture with two known noisy
 * labels, its thresholds and flags worked out by hand below, then through
 * the service: flagged tasks go to the review queue (reason LABEL_ISSUE)
 * with their evidence, no label changes, a gold answer settles one.
 *
 * Hand computation (classes a, b, c; given label, then p(a), p(b), p(c)):
 *   1 a .90 .05 .05 | 2 a .70 .20 .10 | 3 a .10 .80 .10  ← really b
 *   4 b .20 .70 .10 | 5 b .10 .60 .30
 *   6 c .10 .10 .80 | 7 c .05 .15 .80 | 8 c .75 .15 .10  ← really a
 * t_a = (.90 + .70 + .10) / 3 = .5666…; t_b = (.70 + .60) / 2 = .65;
 * t_c = (.80 + .80 + .10) / 3 = .5666…
 * Item 3: only p(b) = .80 ≥ t_b → suggested b ≠ a: flagged.
 * Item 5: p(b) = .60 < t_b, nothing else above its threshold: not counted.
 * Item 8: only p(a) = .75 ≥ t_a → suggested a ≠ c: flagged.
 * Every other item's only class above threshold is its own label.
 */
import { strict as assert } from 'node:assert';
import { labeling } from '@l1g1/contracts';
import { uncertaintyOf } from '../src/active-learning/uncertainty';
import { findLabelIssues } from '../src/label-issues/confident-learning';
import { calls, cls, labelClass, refusal, textRecord } from './support/calls';
import { mlCalls } from './support/ml-stack';
import { useTestLabeling } from './support/start-labeling';

const CLASSES = ['a', 'b', 'c'];
const FIXTURE: [string, number[]][] = [
  ['a', [0.9, 0.05, 0.05]],
  ['a', [0.7, 0.2, 0.1]],
  ['a', [0.1, 0.8, 0.1]],
  ['b', [0.2, 0.7, 0.1]],
  ['b', [0.1, 0.6, 0.3]],
  ['c', [0.1, 0.1, 0.8]],
  ['c', [0.05, 0.15, 0.8]],
  ['c', [0.75, 0.15, 0.1]],
];

describe('labeling: label issues (confident learning)', function () {
  this.timeout(60_000);

  it('per-class thresholds are the mean self-confidence; items confidently in another class are flagged (hand-computed)', () => {
    const r = findLabelIssues(
      FIXTURE.map(([label, p], i) => ({ id: `${i + 1}`, label: CLASSES.indexOf(label), probabilities: p })),
      3,
    );
    const close = (x: number, y: number): boolean => Math.abs(x - y) < 1e-12;
    assert.ok(close(r.thresholds[0] as number, 1.7 / 3));
    assert.ok(close(r.thresholds[1] as number, 0.65));
    assert.ok(close(r.thresholds[2] as number, 1.7 / 3));
    assert.deepEqual(
      r.issues.map((i) => [i.id, CLASSES[i.givenLabel], CLASSES[i.suggestedLabel], i.givenProbability, i.suggestedProbability]),
      [
        ['3', 'a', 'b', 0.1, 0.8],
        ['8', 'c', 'a', 0.1, 0.75],
      ],
    );
    assert.ok(close(r.issues[0]?.suggestedThreshold as number, 0.65));
  });

  it('a class no item is labelled with is never suggested', () => {
    const r = findLabelIssues([{ id: 'x', label: 0, probabilities: [0.1, 0.9] }], 2);
    assert.ok(Number.isNaN(r.thresholds[1] as number));
    assert.deepEqual(r.issues, []);
  });

  it('uncertainty measures match a hand computation', () => {
    const u = uncertaintyOf([0.5, 0.3, 0.2]);
    assert.ok(Math.abs(u.leastConfidence - 0.5) < 1e-12);
    assert.ok(Math.abs(u.margin - 0.2) < 1e-12);
    // −(.5 ln .5 + .3 ln .3 + .2 ln .2)
    assert.ok(Math.abs(u.entropy - 1.0296530140645737) < 1e-12);
  });

  describe('through the service', () => {
    const ctx = useTestLabeling();
    let api: ReturnType<typeof calls>;
    let ml: ReturnType<typeof mlCalls>;
    let projectId: string;
    let taskIds: string[];

    before(async () => {
      api = calls(ctx.svc.client);
      ml = mlCalls(ctx.svc.client);
      const p = await api.createProject({ name: 'noisy', labelConfig: { taskType: labeling.TaskType.TASK_TYPE_CLASSIFICATION, classes: CLASSES.map(labelClass) } });
      projectId = p.id;
      await api.importTasks({ projectId, records: FIXTURE.map((_f, i) => textRecord(`item-${i + 1}`, `item ${i + 1}`)) });
      taskIds = (await api.listTasks({ projectId })).tasks.map((t) => t.id);
      for (const [i, [label]] of FIXTURE.entries()) await api.submit({ taskId: taskIds[i] as string, annotator: 'ann', value: cls(label) });
    });

    const probabilities = (): labeling.DeepPartial<labeling.TaskProbabilities>[] =>
      FIXTURE.map(([, p], i) => ({ taskId: taskIds[i] as string, classScores: { a: p[0] as number, b: p[1] as number, c: p[2] as number } }));

    it('a dry run reports the flagged tasks and leaves the review queue alone', async () => {
      const r = await ml.findLabelIssues({ projectId, probabilities: probabilities(), dryRun: true });
      assert.deepEqual(r.issues.map((i) => i.taskId), [taskIds[2], taskIds[7]]);
      assert.equal(r.sentToReview, 0);
      assert.equal((await api.reviewQueue({ projectId, reason: labeling.ReviewReason.REVIEW_REASON_LABEL_ISSUE })).items.length, 0);
    });

    it('flagged tasks go to the review queue with the evidence; the labels are not changed', async () => {
      const r = await ml.findLabelIssues({ projectId, probabilities: probabilities() });
      assert.equal(r.tasksChecked, 8);
      assert.equal(r.sentToReview, 2);
      assert.ok(Math.abs((r.thresholds['b'] ?? 0) - 0.65) < 1e-12);
      const queue = await api.reviewQueue({ projectId, reason: labeling.ReviewReason.REVIEW_REASON_LABEL_ISSUE });
      assert.deepEqual(
        queue.items.map((i) => [i.taskId, i.reason, i.labelIssue?.givenLabel, i.labelIssue?.suggestedLabel, i.labelIssue?.suggestedProbability, i.consensus]),
        [
          [taskIds[2], labeling.ReviewReason.REVIEW_REASON_LABEL_ISSUE, 'a', 'b', 0.8, cls('a')],
          [taskIds[7], labeling.ReviewReason.REVIEW_REASON_LABEL_ISSUE, 'c', 'a', 0.75, cls('c')],
        ],
      );
      // Never relabelled silently: every annotation still holds what the annotator gave.
      const anns = await api.listAnnotations({ projectId });
      assert.deepEqual(
        anns.annotations.map((a) => [a.taskId, a.value]),
        FIXTURE.map(([label], i) => [taskIds[i], cls(label)]),
      );
      // The disagreement queue is unchanged (one annotator per task: no disagreement).
      assert.equal((await api.reviewQueue({ projectId })).items.length, 0);
    });

    it('a reviewer’s gold answer settles a flagged task and it leaves the queue; paging walks the rest', async () => {
      await api.submit({ taskId: taskIds[2] as string, annotator: 'reviewer', value: cls('b'), gold: true });
      const page = await api.reviewQueue({ projectId, reason: labeling.ReviewReason.REVIEW_REASON_LABEL_ISSUE, page: { pageSize: 1 } });
      assert.deepEqual(page.items.map((i) => i.taskId), [taskIds[7]]);
      assert.equal(page.page?.nextPageToken, '');
    });

    it('refuses probabilities naming the entry, and projects that are not single-label classification', async () => {
      const bad = probabilities();
      bad[1] = { taskId: taskIds[1] as string, classScores: { a: 0.5, zebra: 0.5 } };
      assert.equal((await refusal(ml.findLabelIssues({ projectId, probabilities: bad }))).field, 'probabilities[1].class_scores');
      const outOfRange = probabilities();
      outOfRange[0] = { taskId: taskIds[0] as string, classScores: { a: 1.5 } };
      assert.equal((await refusal(ml.findLabelIssues({ projectId, probabilities: outOfRange }))).field, 'probabilities[0].class_scores');
      const foreign = [...probabilities(), { taskId: 'tsk_000000000aaaaaaaaaaaaaaaa', classScores: { a: 1 } }];
      assert.equal((await refusal(ml.findLabelIssues({ projectId, probabilities: foreign }))).field, 'probabilities[8].task_id');
      const twice = [...probabilities(), probabilities()[0] as labeling.DeepPartial<labeling.TaskProbabilities>];
      assert.equal((await refusal(ml.findLabelIssues({ projectId, probabilities: twice }))).field, 'probabilities[8].task_id');
      const ner = await api.createProject({ name: 'spans', labelConfig: { taskType: labeling.TaskType.TASK_TYPE_NER, classes: [labelClass('PER')] } });
      assert.equal((await refusal(ml.findLabelIssues({ projectId: ner.id }))).kind, 'FAILED_PRECONDITION');
      assert.equal((await refusal(api.reviewQueue({ projectId, reason: 99 as labeling.ReviewReason }))).field, 'reason');
    });
  });
});
