/**
 * The EvaluationStore contract against both stores: SQLite (embedded) and
 * PostgreSQL (scaled mode): insert is idempotent, finish keeps what a run
 * found, lists page newest first and filter by model, dataset and state.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPostgresEvaluationStore } from '../src/adapters/postgres-evaluation-store';
import { openSqliteEvaluationStore } from '../src/adapters/sqlite-evaluation-store';
import type { EvaluationRow, EvaluationStore } from '../src/domain/evaluations/evaluation-store';
import { truncateTables, usePostgres } from '../../../test/support/postgres';

function row(runId: string, createdAtMs: number, over: Partial<EvaluationRow> = {}): EvaluationRow {
  return {
    runId,
    modelName: 'm',
    modelVersion: 1,
    precision: 'fp32',
    dataset: 'd',
    snapshot: 1,
    split: 'test',
    state: 'queued',
    createdAtMs,
    finishedAtMs: undefined,
    traceId: 'abc',
    recordsEvaluated: 0,
    recordsSkipped: 0,
    metrics: {},
    classification: null,
    token: null,
    predictions: null,
    ...over,
  };
}

function describeContract(name: string, open: () => Promise<EvaluationStore>): void {
  describe(name, () => {
    let store: EvaluationStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('inserts once per run id and finishes with the run’s findings', async () => {
      await store.insert(row('r1', 1000));
      await store.insert(row('r1', 2000, { modelName: 'other' }));
      assert.equal((await store.get('r1'))?.modelName, 'm', 'a repeated insert keeps the first row');
      await store.setState('r1', 'running');
      await store.finish('r1', {
        state: 'succeeded',
        finishedAtMs: 5000,
        recordsEvaluated: 10,
        recordsSkipped: 2,
        metrics: { accuracy: 0.75 },
        classification: { accuracy: 0.75 },
        token: null,
        predictions: [{ recordId: 'a' }],
      });
      await store.setState('r1', 'failed');
      const got = await store.get('r1');
      assert.equal(got?.state, 'succeeded', 'a finished run keeps its final state');
      assert.equal(got?.finishedAtMs, 5000);
      assert.equal(got?.recordsEvaluated, 10);
      assert.deepEqual(got?.metrics, { accuracy: 0.75 });
      assert.deepEqual(got?.predictions, [{ recordId: 'a' }]);
      assert.equal(await store.get('nope'), undefined);
    });

    it('lists newest first, pages with a cursor and filters', async () => {
      await store.insert(row('a', 1000));
      await store.insert(row('b', 2000, { modelVersion: 2 }));
      await store.insert(row('c', 2000, { dataset: 'e' }));
      await store.insert(row('d', 3000, { modelName: 'n' }));
      await store.setState('d', 'running');
      assert.deepEqual((await store.list({}, 10)).map((r) => r.runId), ['d', 'c', 'b', 'a']);
      const first = await store.list({}, 2);
      const last = first[first.length - 1] as EvaluationRow;
      assert.deepEqual((await store.list({}, 10, { createdAtMs: last.createdAtMs, runId: last.runId })).map((r) => r.runId), ['b', 'a']);
      assert.deepEqual((await store.list({ modelName: 'm' }, 10)).map((r) => r.runId), ['c', 'b', 'a']);
      assert.deepEqual((await store.list({ modelName: 'm', modelVersion: 2 }, 10)).map((r) => r.runId), ['b']);
      assert.deepEqual((await store.list({ dataset: 'e' }, 10)).map((r) => r.runId), ['c']);
      assert.deepEqual((await store.list({ state: 'running' }, 10)).map((r) => r.runId), ['d']);
    });
  });
}

describe('evaluator: run stores', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'l1g1-eval-store-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  describeContract('SQLite', async () => openSqliteEvaluationStore(join(dir, `runs-${n++}.db`)));

  describe('on PostgreSQL', () => {
    const pg = usePostgres();
    describeContract('PostgreSQL', async () => {
      const store = await openPostgresEvaluationStore(pg.url);
      await truncateTables(pg.url, 'evaluator_runs');
      return store;
    });
  });
});
