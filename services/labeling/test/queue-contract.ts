/**
 * The task queue's behaviour over real gRPC, run against each store (SQLite
 * embedded, PostgreSQL scaled): overlap k served to exactly k distinct
 * annotators, never a task twice to one annotator, skips, reservations that
 * expire back into the queue, history of replaced annotations, and
 * concurrent submissions that all survive (or are refused cleanly when the
 * task is full).
 */
import { strict as assert } from 'node:assert';
import { labeling } from '@l1g1/contracts';
import { unary } from '@l1g1/kit';
import { calls, cls, refusal, textRecord, labelClass } from './support/calls';
import { startTestLabeling, type StartTestLabelingOptions, type TestLabeling } from './support/start-labeling';

const { TaskType, TaskState } = labeling;
const C = labelClass;

export function describeQueueContract(backend: string, options: () => StartTestLabelingOptions): void {
  describe(`labeling queue on ${backend} (real gRPC)`, function () {
    this.timeout(60_000);
    let svc: TestLabeling;
    let api: ReturnType<typeof calls>;
    before(async () => {
      svc = await startTestLabeling(options());
      api = calls(svc.client);
    });
    after(async () => svc?.close());

    const project = async (k: number, n: number, reservationS = 600) => {
      const p = await api.createProject({
        name: `k${k}`,
        labelConfig: { taskType: TaskType.TASK_TYPE_CLASSIFICATION, classes: [C('yes'), C('no')], annotationsPerTask: k, reservationS },
      });
      const records = Array.from({ length: n }, (_, i) => textRecord(`rec-${i}`, `text ${i}`));
      const r = await api.importTasks({ projectId: p.id, records });
      assert.equal(r.imported, n);
      return p;
    };

    it('with k = 2 and 3 annotators serves every task to exactly 2 distinct annotators', async () => {
      const p = await project(2, 12);
      const served = new Map<string, string[]>();
      const annotators = ['ann-a', 'ann-b', 'ann-c'];
      // Round-robin until nobody gets a task; bounded well above the 24 annotations needed.
      for (let round = 0; round < 40; round++) {
        let any = false;
        for (const who of annotators) {
          const next = await api.nextTask(p.id, who);
          if (!next.task) continue;
          any = true;
          served.set(next.task.id, [...(served.get(next.task.id) ?? []), who]);
          await api.submit({ taskId: next.task.id, annotator: who, value: cls(round % 2 ? 'yes' : 'no') });
        }
        if (!any) break;
      }
      assert.equal(served.size, 12);
      for (const [task, whos] of served) {
        assert.equal(whos.length, 2, `task ${task} served to ${whos.join(', ')}`);
        assert.equal(new Set(whos).size, 2, `task ${task} served twice to one annotator`);
      }
      const done = await api.listTasks({ projectId: p.id, state: TaskState.TASK_STATE_COMPLETED, page: { pageSize: 100, pageToken: '' } });
      assert.equal(done.tasks.length, 12);
      assert.equal((await api.getProject(p.id)).completedTaskCount, 12);
    });

    it('RANDOM: each annotator gets their own seeded shuffle — a permutation of the tasks, different per annotator, not import order — and k is never exceeded', async () => {
      const n = 12;
      const p = await project(2, n);
      const random = (annotator: string, seed?: number, projectId = p.id) =>
        unary(svc.client.nextTask.bind(svc.client), labeling.NextTaskRequest.fromPartial({ projectId, annotator, strategy: labeling.ActiveLearningStrategy.ACTIVE_LEARNING_STRATEGY_RANDOM, ...(seed !== undefined ? { seed } : {}) }));
      const recordOf = (t: labeling.Task | undefined): string => t?.record?.id ?? '';
      /** Takes and answers tasks until none is left (bounded at n + 1 asks); the record ids in serving order. */
      const drain = async (annotator: string, seed?: number): Promise<string[]> => {
        const order: string[] = [];
        for (let i = 0; i <= n; i++) {
          const next = await random(annotator, seed);
          if (!next.task) break;
          assert.equal(next.strategy, labeling.ActiveLearningStrategy.ACTIVE_LEARNING_STRATEGY_RANDOM);
          order.push(recordOf(next.task));
          await api.submit({ taskId: next.task.id, annotator, value: cls('yes') });
        }
        return order;
      };
      const importOrder = Array.from({ length: n }, (_, i) => `rec-${i}`);
      // The first task each of several annotators gets on a fresh project (k = 4, so nobody's claim hides a task from another): not all the same.
      const fresh = await project(4, n);
      const firsts = new Set<string>();
      for (const who of ['peek-a', 'peek-b', 'peek-c', 'peek-d']) firsts.add(recordOf((await random(who, 7, fresh.id)).task));
      assert.ok(firsts.size > 1, `four annotators all got ${[...firsts].join(', ')} first`);
      // Two annotators with k = 2 share every task: each order is a permutation, and they differ.
      const a = await drain('shuffle-a', 1);
      const b = await drain('shuffle-b', 1);
      // With k = 2 both find every task open: each order is a permutation of all n.
      assert.deepEqual([...a].sort(), [...importOrder].sort());
      assert.deepEqual([...b].sort(), [...importOrder].sort());
      assert.equal(new Set(a).size, a.length, 'never the same task twice');
      assert.equal(new Set(b).size, b.length, 'never the same task twice');
      assert.notDeepEqual(a, importOrder, 'RANDOM is not import order');
      assert.notDeepEqual(a, b, 'two annotators get different orders');
      // Every task now has its k = 2: a third annotator gets nothing.
      const c = await drain('shuffle-c', 1);
      assert.deepEqual(c, [], 'no task served past k');
      const served = new Map<string, number>();
      for (const r of [...a, ...b, ...c]) served.set(r, (served.get(r) ?? 0) + 1);
      assert.ok([...served.values()].every((count) => count <= 2));
    });

    it('RANDOM is deterministic: once a reservation lapses, the same annotator and seed get the same task again; other seeds start elsewhere', async () => {
      const p = await project(1, 20, 60);
      const draw = (annotator: string, seed: number) =>
        unary(svc.client.nextTask.bind(svc.client), labeling.NextTaskRequest.fromPartial({ projectId: p.id, annotator, strategy: labeling.ActiveLearningStrategy.ACTIVE_LEARNING_STRATEGY_RANDOM, seed }));
      const heads: string[] = [];
      for (let round = 0; round < 3; round++) {
        heads.push((await draw('det', 5)).task?.record?.id ?? '');
        // The reservation lapses and the task is open again: a fresh claim recomputes the order.
        svc.advance(61_000);
      }
      assert.ok(heads[0] !== '');
      assert.deepEqual(heads, [heads[0], heads[0], heads[0]]);
      const otherSeeds = new Set<string>();
      for (let seed = 100; seed < 104; seed++) {
        otherSeeds.add((await draw('det', seed)).task?.record?.id ?? '');
        svc.advance(61_000);
      }
      assert.ok(otherSeeds.size > 1, `four seeds all started at ${[...otherSeeds].join(', ')}`);
    });

    it('hands the same reserved task again to its holder, never to a third annotator past k', async () => {
      const p = await project(2, 1);
      const a1 = await api.nextTask(p.id, 'a');
      const a2 = await api.nextTask(p.id, 'a');
      assert.equal(a2.task?.id, a1.task?.id, 'the holder gets its reservation back');
      assert.equal(a1.task?.state, TaskState.TASK_STATE_RESERVED);
      assert.equal(a1.task?.reservedBy, 'a');
      assert.ok((await api.nextTask(p.id, 'b')).task, 'a second annotator fits k = 2');
      assert.equal((await api.nextTask(p.id, 'c')).task, undefined, 'a third does not while both hold reservations');
    });

    it('returns an abandoned task to the queue once its reservation expires', async () => {
      const p = await project(1, 1, 60);
      const first = await api.nextTask(p.id, 'slow');
      assert.ok(first.task);
      assert.equal((await api.nextTask(p.id, 'other')).task, undefined);
      svc.advance(61_000);
      const again = await api.nextTask(p.id, 'other');
      assert.equal(again.task?.id, first.task.id);
      // The late annotator's submission no longer fits: the task is full with the new holder's reservation.
      assert.equal((await refusal(api.submit({ taskId: first.task.id, annotator: 'slow', value: cls('yes') }))).reason, 'TASK_FULL');
    });

    it('never serves an annotator a task they skipped or annotated, and passes it to someone else', async () => {
      const p = await project(1, 2);
      const t1 = await api.nextTask(p.id, 'skipper');
      assert.equal(t1.remaining, 2);
      await api.submit({ taskId: t1.task?.id ?? '', annotator: 'skipper', skipped: true });
      const t2 = await api.nextTask(p.id, 'skipper');
      assert.notEqual(t2.task?.id, t1.task?.id);
      await api.submit({ taskId: t2.task?.id ?? '', annotator: 'skipper', value: cls('no') });
      assert.equal((await api.nextTask(p.id, 'skipper')).task, undefined);
      const other = await api.nextTask(p.id, 'other');
      assert.equal(other.task?.id, t1.task?.id, 'the skipped task still needs an annotation');
      assert.equal(other.remaining, 1);
    });

    it('keeps earlier versions in history when an annotator replaces their annotation, and refuses a blind second one', async () => {
      const p = await project(1, 1);
      const t = await api.nextTask(p.id, 'ed');
      const taskId = t.task?.id ?? '';
      const first = await api.submit({ taskId, annotator: 'ed', value: cls('yes'), leadTimeMs: 1000 });
      const dup = await refusal(api.submit({ taskId, annotator: 'ed', value: cls('no') }));
      assert.equal(dup.kind, 'ALREADY_EXISTS');
      const second = await api.submit({ taskId, annotator: 'ed', value: cls('no'), leadTimeMs: 2000, annotationId: first.id });
      assert.equal(second.id, first.id);
      assert.deepEqual(second.value, cls('no'));
      assert.equal(second.history.length, 1);
      assert.deepEqual(second.history[0]?.value, cls('yes'));
      assert.equal(second.history[0]?.leadTimeMs, 1000);
      assert.equal(second.annotator, 'ed');
      assert.ok(second.createdAt && second.updatedAt && second.updatedAt >= second.createdAt);
      const listed = await api.listAnnotations({ taskId });
      assert.equal(listed.annotations.length, 1);
      assert.equal(listed.annotations[0]?.history.length, 1);
    });

    it('keeps both annotations when two annotators submit on one task at once', async () => {
      const p = await project(2, 1);
      const taskId = (await api.listTasks({ projectId: p.id })).tasks[0]?.id ?? '';
      // Repeated on fresh tasks so an interleaving bug has several chances to show.
      for (let i = 0; i < 5; i++) {
        const q = await project(2, 1);
        const id = (await api.listTasks({ projectId: q.id })).tasks[0]?.id ?? '';
        const [x, y] = await Promise.all([api.submit({ taskId: id, annotator: 'left', value: cls('yes') }), api.submit({ taskId: id, annotator: 'right', value: cls('no') })]);
        assert.notEqual(x.id, y.id);
        const stored = await api.listAnnotations({ taskId: id });
        assert.deepEqual(stored.annotations.map((a) => a.annotator).sort(), ['left', 'right']);
        assert.equal((await api.getTask(id)).state, TaskState.TASK_STATE_COMPLETED);
      }
      assert.ok(taskId);
    });

    it('lets exactly k of many concurrent submitters in and refuses the rest with TASK_FULL', async () => {
      const p = await project(2, 1);
      const id = (await api.listTasks({ projectId: p.id })).tasks[0]?.id ?? '';
      const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => api.submit({ taskId: id, annotator: `w${i}`, value: cls('yes') })));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 2);
      for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as { reason: string }).reason, 'TASK_FULL');
      assert.equal((await api.listAnnotations({ taskId: id })).annotations.length, 2);
    });

    it('serves concurrent NextTask calls without exceeding k on any task', async () => {
      const p = await project(2, 5);
      const who = Array.from({ length: 8 }, (_, i) => `c${i}`);
      const got = await Promise.all(who.map((w) => api.nextTask(p.id, w)));
      const perTask = new Map<string, number>();
      for (const g of got) if (g.task) perTask.set(g.task.id, (perTask.get(g.task.id) ?? 0) + 1);
      assert.equal([...perTask.values()].reduce((a, b) => a + b, 0), 8, 'five tasks with k = 2 hold all eight');
      for (const n of perTask.values()) assert.ok(n <= 2, `a task was reserved ${n} times`);
    });

    it('skips records already imported, so an import can be retried', async () => {
      const p = await project(1, 3);
      const again = await api.importTasks({ projectId: p.id, records: [textRecord('rec-0', 'text 0'), textRecord('rec-9', 'new')] });
      assert.deepEqual([again.imported, again.skippedExisting], [1, 1]);
    });
  });
}
