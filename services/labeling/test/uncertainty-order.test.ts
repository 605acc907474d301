/**
 * The uncertainty order on both stores (SQLite and a real PostgreSQL): with
 * pre-labels written through the service's own store, NextTask and ListTasks
 * follow least confidence, margin and entropy, tasks without a pre-label
 * come last, and replacing the pre-labels (a newer version) re-orders.
 */
import { strict as assert } from 'node:assert';
import { labeling } from '@l1g1/contracts';
import { usePostgres } from '../../../test/support/postgres';
import { uncertaintyOf } from '../src/active-learning/uncertainty';
import type { PredictionRow } from '../src/domain/prediction-ports';
import { calls, labelClass, refusal, textRecord } from './support/calls';
import { mlCalls } from './support/ml-stack';
import { useTestLabeling, type StartTestLabelingOptions } from './support/start-labeling';

const S = labeling.ActiveLearningStrategy;
/** p(a), p(b) per task; task 4 gets no pre-label. */
const SCORES: [number, number][] = [
  [0.9, 0.1], // least conf .1, margin .8
  [0.55, 0.45], // most uncertain: .45, margin .1
  [0.7, 0.3], // .3, margin .4
  [0.6, 0.4], // .4, margin .2
];

function describeOrder(name: string, options: () => StartTestLabelingOptions): void {
  describe(`uncertainty order on ${name}`, () => {
    const ctx = useTestLabeling(options);
    let projectId: string;
    let tasks: string[];

    const predictions = (scores: [number, number][], version: number): PredictionRow[] =>
      scores.map(([a, b], i) => {
        const u = uncertaintyOf([a, b]);
        return {
          taskId: tasks[i] as string,
          projectId,
          modelName: 'm',
          modelVersion: version,
          value: { value: { $case: 'classification', value: { labels: [a >= b ? 'a' : 'b'] } } },
          classScores: { a, b },
          score: Math.max(a, b),
          leastConfidence: u.leastConfidence,
          margin: u.margin,
          entropy: u.entropy,
          jobId: 'test',
          createdAtMs: Date.now(),
        };
      });

    before(async () => {
      const api = calls(ctx.svc.client);
      const p = await api.createProject({ name: 'order', labelConfig: { taskType: labeling.TaskType.TASK_TYPE_CLASSIFICATION, classes: [labelClass('a'), labelClass('b')] } });
      projectId = p.id;
      await api.importTasks({ projectId, records: ['t0', 't1', 't2', 't3', 't4'].map((t) => textRecord(t, t)) });
      tasks = (await api.listTasks({ projectId })).tasks.map((t) => t.id);
      await ctx.svc.service.deps.store.upsertPredictions(predictions(SCORES, 1));
    });

    const order = async (o: labeling.ActiveLearningStrategy): Promise<number[]> =>
      (await calls(ctx.svc.client).listTasks({ projectId, order: o, page: { pageSize: 2 } }).then(async (first) => {
        const rest = await calls(ctx.svc.client).listTasks({ projectId, order: o, page: { pageSize: 10, pageToken: first.page?.nextPageToken ?? '' } });
        return [...first.tasks, ...rest.tasks];
      })).map((t) => tasks.indexOf(t.id));

    it('ListTasks follows each measure, tasks without a pre-label last, across pages', async () => {
      assert.deepEqual(await order(S.ACTIVE_LEARNING_STRATEGY_UNCERTAINTY), [1, 3, 2, 0, 4]);
      assert.deepEqual(await order(S.ACTIVE_LEARNING_STRATEGY_MARGIN), [1, 3, 2, 0, 4]);
      assert.deepEqual(await order(S.ACTIVE_LEARNING_STRATEGY_ENTROPY), [1, 3, 2, 0, 4]);
      assert.deepEqual(await order(S.ACTIVE_LEARNING_STRATEGY_SEQUENTIAL), [0, 1, 2, 3, 4]);
      const withPrediction = await calls(ctx.svc.client).listTasks({ projectId, withPredictionOnly: true });
      assert.deepEqual(withPrediction.tasks.map((t) => tasks.indexOf(t.id)), [0, 1, 2, 3]);
    });

    it('NextTask serves the most uncertain first; replacing the pre-labels re-orders the queue', async () => {
      const ml = mlCalls(ctx.svc.client);
      const first = await ml.nextTask({ projectId, annotator: 'x' });
      assert.equal(first.task?.id, tasks[1]);
      assert.equal(first.strategy, S.ACTIVE_LEARNING_STRATEGY_UNCERTAINTY);
      assert.ok(Math.abs(first.score - 0.45) < 1e-12);
      // A newer version is most unsure about task 0.
      await ctx.svc.service.deps.store.upsertPredictions(predictions([[0.5, 0.5], [0.95, 0.05], [0.8, 0.2], [0.6, 0.4]], 2));
      const next = await ml.nextTask({ projectId, annotator: 'y' });
      assert.equal(next.task?.id, tasks[0]);
      assert.deepEqual(next.task?.prediction?.model, { name: 'm', selector: { $case: 'version', value: 2 } });
      assert.deepEqual(await order(S.ACTIVE_LEARNING_STRATEGY_UNCERTAINTY), [0, 3, 2, 1, 4]);
    });

    it('a project’s default strategy (UpdateProject) orders NextTask when the request names none', async () => {
      const api = calls(ctx.svc.client);
      const updated = await api.updateProject({ projectId, activeLearningStrategy: S.ACTIVE_LEARNING_STRATEGY_MARGIN });
      assert.equal(updated.labelConfig?.activeLearningStrategy, S.ACTIVE_LEARNING_STRATEGY_MARGIN);
      // Margins under v2: t0 0 (reserved by y), t1 .9 (reserved by x), t2 .6, t3 .2.
      const next = await mlCalls(ctx.svc.client).nextTask({ projectId, annotator: 'z' });
      assert.equal(next.strategy, S.ACTIVE_LEARNING_STRATEGY_MARGIN);
      assert.equal(next.task?.id, tasks[3]);
      assert.ok(Math.abs(next.score - 0.2) < 1e-12);
      const bad = await refusal(api.updateProject({ projectId, activeLearningStrategy: 42 as labeling.ActiveLearningStrategy }));
      assert.equal(bad.field, 'active_learning_strategy');
    });
  });
}

describe('labeling: active-learning order', () => {
  describeOrder('SQLite', () => ({}));
  describe('on PostgreSQL', () => {
    const pg = usePostgres();
    describeOrder('PostgreSQL', () => ({ databaseUrl: pg.url }));
  });
});
