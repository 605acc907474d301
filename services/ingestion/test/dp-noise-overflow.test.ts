/**
 * A DP query whose noise scale overflows (a tiny ε with wide bounds) used to
 * "release" 0 with a noise scale of Infinity (null in JSON): a figure that
 * looks like data. It is refused as INVALID_ARGUMENT naming the query's
 * epsilon, and spends nothing.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { L1g1Error } from '@l1g1/kit';
import { createSqliteIngestionStore } from '../src/adapters/store/sqlite-store';
import { computeDpStatistics, type DpQuerySpec } from '../src/domain/dp';
import type { IngestionStore } from '../src/domain/ports';
import { createSeededRandom } from '../src/domain/privacy';
import { streamOf, textStored } from './analytics-support';
import { newSnapshot } from './store-contract';

describe('DP statistics: a noise scale that overflows', () => {
  let dir: string;
  let store: IngestionStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'l1g1-dp-overflow-'));
    store = createSqliteIngestionStore(join(dir, 'ingestion.db'));
    await store.insertSnapshot(newSnapshot('people'), { nowMs: 1, dpBudgetTotal: 1 });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const records = [textStored('a', 'alice', { age: '30' }), textStored('b', 'bob', { age: '40' })];
  const run = (query: Partial<DpQuerySpec>) =>
    computeDpStatistics({
      dataset: 'people',
      records: streamOf(records),
      queries: [{ name: 'q', aggregate: 'mean', field: 'age', lowerBound: -1e308, upperBound: 1e308, epsilon: 1e-300, groupBy: '', groups: [], ...query }],
      ledger: store,
      random: createSeededRandom(1),
      actor: 'bob',
      nowMs: 20,
    });

  for (const [title, query] of [
    ['a mean over [-1e308, 1e308] with epsilon 1e-300', {}],
    ['a sum over [0, 1e308] with epsilon 1e-10', { aggregate: 'sum', lowerBound: 0, epsilon: 1e-10 }],
    ['a count with a subnormal epsilon', { aggregate: 'count', field: '', lowerBound: 0, upperBound: 0, epsilon: 5e-324 }],
  ] as [string, Partial<DpQuerySpec>][]) {
    it(`refuses ${title} naming queries[0].epsilon, spending nothing`, async () => {
      const err = await run(query).then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof L1g1Error, `expected a refusal, got ${JSON.stringify(err)}`);
      assert.equal(err.kind, 'INVALID_ARGUMENT');
      assert.equal(err.field, 'queries[0].epsilon');
      // The whole budget (1) is still there: a query of ε 0.5 is granted.
      const out = await run({ aggregate: 'count', field: '', lowerBound: 0, upperBound: 0, epsilon: 0.5 });
      assert.equal(out.budgetRemaining, 0.5);
    });
  }

  it('still releases a wide but finite query (bounds ±1e300, epsilon 1)', async () => {
    const out = await run({ lowerBound: -1e300, upperBound: 1e300, epsilon: 1 });
    assert.ok(out.results[0]?.values.every((v) => Number.isFinite(v.value) && Number.isFinite(v.noiseScale)));
  });
});
