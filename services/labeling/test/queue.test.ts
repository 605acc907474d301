/** The queue contract on both stores: SQLite (embedded) and a real PostgreSQL (scaled). */
import { strict as assert } from 'node:assert';
import { labeling } from '@l1g1/contracts';
import { usePostgres } from '../../../test/support/postgres';
import { calls, cls, labelClass, textRecord } from './support/calls';
import { describeQueueContract } from './queue-contract';
import { startTestLabeling, type TestLabeling } from './support/start-labeling';

describe('labeling: task queue', () => {
  describeQueueContract('SQLite', () => ({}));
  describe('on PostgreSQL', () => {
    const pg = usePostgres();
    describeQueueContract('PostgreSQL', () => ({ databaseUrl: pg.url }));

    describe('two replicas on one database', function () {
      this.timeout(60_000);
      let one: TestLabeling;
      let two: TestLabeling;
      before(async () => {
        one = await startTestLabeling({ databaseUrl: pg.url });
        two = await startTestLabeling({ databaseUrl: pg.url });
      });
      after(async () => {
        await one?.close();
        await two?.close();
      });

      it('never serves a task past k when annotators are spread over both replicas, and keeps every annotation', async () => {
        const a = calls(one.client);
        const b = calls(two.client);
        const p = await a.createProject({
          name: 'replicas',
          labelConfig: { taskType: labeling.TaskType.TASK_TYPE_CLASSIFICATION, classes: [labelClass('y'), labelClass('n')], annotationsPerTask: 2 },
        });
        await a.importTasks({ projectId: p.id, records: Array.from({ length: 6 }, (_, i) => textRecord(`x${i}`, `x ${i}`)) });
        const who = Array.from({ length: 12 }, (_, i) => `r${i}`);
        // Each annotator asks a different replica than its neighbour, all at once.
        const got = await Promise.all(who.map((w, i) => (i % 2 ? b : a).nextTask(p.id, w)));
        const perTask = new Map<string, string[]>();
        got.forEach((g, i) => g.task && perTask.set(g.task.id, [...(perTask.get(g.task.id) ?? []), who[i] as string]));
        for (const [task, ws] of perTask) assert.ok(ws.length <= 2, `task ${task} reserved by ${ws.join(', ')}`);
        await Promise.all(got.map((g, i) => g.task && (i % 2 ? a : b).submit({ taskId: g.task.id, annotator: who[i] as string, value: cls('y') })));
        const listed = await b.listAnnotations({ projectId: p.id, page: { pageSize: 100, pageToken: '' } });
        assert.equal(listed.annotations.length, 12, 'six tasks × k = 2, none lost');
        assert.equal((await a.getProject(p.id)).completedTaskCount, 6);
      });
    });
  });
});
