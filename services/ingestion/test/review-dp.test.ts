import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { L1g1Error } from '@l1g1/kit';
import { createSqliteIngestionStore } from '../src/adapters/store/sqlite-store';
import { computeDpStatistics, type DpQuerySpec } from '../src/domain/dp';
import type { IngestionStore } from '../src/domain/ports';
import { createSeededRandom } from '../src/domain/privacy';
import { resolveReviewItem } from '../src/domain/review';
import { streamOf, textStored } from './analytics-support';
import { newSnapshot } from './store-contract';

async function rejection(p: Promise<unknown>): Promise<L1g1Error> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof L1g1Error, `expected an L1g1Error, got ${String(err)}`);
  return err;
}

describe('review queue and DP statistics over the real SQLite store', () => {
  let dir: string;
  let path: string;
  let store: IngestionStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'l1g1-analytics-'));
    path = join(dir, 'ingestion.db');
    store = createSqliteIngestionStore(path);
    await store.insertSnapshot(newSnapshot('people'), { nowMs: 1, dpBudgetTotal: 1 });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('resolving a review item', () => {
    beforeEach(async () => {
      const base = {
        dataset: 'people', version: 1, reason: 'low_confidence' as const, givenLabel: 'spam', predictedLabel: 'ham',
        confidence: 0.3, threshold: 0.8, model: { name: 'clf', version: 1, alias: '' }, jobId: 'j', createdAtMs: 5,
      };
      await store.insertReviewItems(['r1', 'r2', 'r3'].map((id) => ({ ...base, id, record: textStored(id, id, { label: 'spam' }) })), 5);
    });
    const actor = { resolvedBy: 'alice', nowMs: 10 };

    it('resolves PENDING once with KEEP, RELABEL (its new label) or DISCARD, and refuses a second resolution', async () => {
      const kept = await resolveReviewItem(store, { itemId: 'r1', decision: 'keep', newLabel: '', note: 'fine' }, actor);
      assert.equal(kept.state, 'resolved');
      assert.equal(kept.decision, 'keep');
      const relabelled = await resolveReviewItem(store, { itemId: 'r2', decision: 'relabel', newLabel: ' ham ', note: '' }, actor);
      assert.equal(relabelled.newLabel, 'ham');
      assert.equal((await resolveReviewItem(store, { itemId: 'r3', decision: 'discard', newLabel: '', note: '' }, actor)).decision, 'discard');

      const again = await rejection(resolveReviewItem(store, { itemId: 'r1', decision: 'discard', newLabel: '', note: '' }, actor));
      assert.equal(again.kind, 'FAILED_PRECONDITION');
      assert.equal(again.reason, 'REVIEW_ITEM_RESOLVED');
      assert.equal((await store.getReviewItem('r1'))?.decision, 'keep', 'the first decision stands');
    });

    it('answers INVALID_ARGUMENT naming the field for a relabel without new_label or a missing decision, NOT_FOUND for an unknown item', async () => {
      assert.equal((await rejection(resolveReviewItem(store, { itemId: 'r1', decision: 'relabel', newLabel: ' ', note: '' }, actor))).field, 'new_label');
      assert.equal((await rejection(resolveReviewItem(store, { itemId: 'r1', decision: undefined, newLabel: '', note: '' }, actor))).field, 'decision');
      assert.equal((await rejection(resolveReviewItem(store, { itemId: 'r1', decision: 'keep', newLabel: 'x', note: '' }, actor))).field, 'new_label');
      assert.equal((await rejection(resolveReviewItem(store, { itemId: 'nope', decision: 'keep', newLabel: '', note: '' }, actor))).kind, 'NOT_FOUND');
      assert.equal((await store.getReviewItem('r1'))?.state, 'pending', 'a refused request changes nothing');
    });
  });

  describe('ComputeDpStatistics', () => {
    const ages = [20, 30, 40, 200, -5];
    const records = ages.map((age, i) => textStored(`p${i}`, `person ${i}`, { age: String(age), city: i % 2 === 0 ? 'paris' : 'rome' }));
    records.push(textStored('p-no-age', 'nobody', { city: 'paris' }));
    const q = (o: Partial<DpQuerySpec>): DpQuerySpec => ({ name: 'q', aggregate: 'count', field: '', lowerBound: 0, upperBound: 0, epsilon: 0.1, groupBy: '', groups: [], ...o });
    const run = (queries: DpQuerySpec[], ledger: IngestionStore = store) =>
      computeDpStatistics({ dataset: 'people', records: streamOf(records), queries, ledger, random: createSeededRandom(1), actor: 'bob', nowMs: 20 });

    it('clamps values to the bounds, releases only the groups asked for, and reports the Laplace scale', async () => {
      // ε this large makes the noise negligible, so the exact clamped figures show through.
      const big = 1e9;
      const out = await computeDpStatistics({
        dataset: 'people',
        records: streamOf(records),
        queries: [
          q({ name: 'n', epsilon: big }),
          q({ name: 'total_age', aggregate: 'sum', field: 'age', lowerBound: 0, upperBound: 100, epsilon: big }),
          q({ name: 'mean_age', aggregate: 'mean', field: 'age', lowerBound: 0, upperBound: 100, epsilon: big }),
          q({ name: 'by_city', epsilon: big, groupBy: 'city', groups: ['rome', 'berlin'] }),
        ],
        ledger: { spendPrivacyBudget: async (s) => ({ granted: true, spent: s.epsilon, total: 4 * big }) },
        random: createSeededRandom(2),
        actor: 'bob',
        nowMs: 20,
      });
      const value = (name: string, group = ''): number => out.results.find((r) => r.name === name)?.values.find((v) => v.group === group)?.value ?? NaN;
      assert.ok(Math.abs(value('n') - 6) < 1e-3);
      assert.ok(Math.abs(value('total_age') - 190) < 1e-3, 'ages clamped to [0, 100]: 20 + 30 + 40 + 100 + 0');
      assert.ok(Math.abs(value('mean_age') - 38) < 1e-3, 'the record without an age is not in the mean');
      assert.deepEqual(out.results.find((r) => r.name === 'by_city')?.values.map((v) => v.group), ['rome', 'berlin']);
      assert.ok(Math.abs(value('by_city', 'rome') - 2) < 1e-3);
      assert.ok(Math.abs(value('by_city', 'berlin')) < 1e-3);
      assert.equal(out.results.find((r) => r.name === 'total_age')?.values[0]?.noiseScale, 100 / big);
    });

    it('spends the whole request ε atomically in the ledger, and refuses with PRIVACY_BUDGET_EXHAUSTED naming the remaining budget', async () => {
      const first = await run([q({ name: 'a', epsilon: 0.3 }), q({ name: 'b', epsilon: 0.3 })]);
      assert.ok(Math.abs(first.epsilonSpent - 0.6) < 1e-12);
      assert.ok(Math.abs(first.budgetRemaining - 0.4) < 1e-12);
      assert.equal(first.results[0]?.values[0]?.noiseScale, 1 / 0.3);

      const refused = await rejection(run([q({ name: 'c', epsilon: 0.3 }), q({ name: 'd', epsilon: 0.2 })]));
      assert.equal(refused.kind, 'FAILED_PRECONDITION');
      assert.equal(refused.reason, 'PRIVACY_BUDGET_EXHAUSTED');
      assert.match(refused.message, /remaining epsilon 0\.4/);
      assert.equal((await store.listPrivacyLedger('people')).length, 1, 'a refused request records nothing');
      assert.ok(Math.abs((await store.getDataset('people'))!.dpBudgetSpent - 0.6) < 1e-12);
    });

    it('keeps the spent budget across a reopen of the store (a service restart)', async () => {
      await run([q({ name: 'a', epsilon: 0.9 })]);
      await store.close();
      store = createSqliteIngestionStore(path);
      const refused = await rejection(run([q({ name: 'b', epsilon: 0.2 })]));
      assert.equal(refused.reason, 'PRIVACY_BUDGET_EXHAUSTED');
      await run([q({ name: 'c', epsilon: 0.1 })]);
    });

    it('answers INVALID_ARGUMENT naming the query field, before spending anything', async () => {
      const cases: [Partial<DpQuerySpec>, string][] = [
        [{ epsilon: 0 }, 'queries[0].epsilon'],
        [{ aggregate: 'sum', field: '' }, 'queries[0].field'],
        [{ aggregate: 'mean', field: 'age', lowerBound: 5, upperBound: 5 }, 'queries[0].lower_bound'],
        [{ groupBy: 'city', groups: [] }, 'queries[0].groups'],
        [{ aggregate: undefined }, 'queries[0].aggregate'],
      ];
      for (const [o, field] of cases) assert.equal((await rejection(run([q(o)]))).field, field, field);
      assert.equal((await store.listPrivacyLedger('people')).length, 0);
    });
  });
});
