/**
 * The GateStore and BenchmarkStore contracts, one suite run against both
 * engines: SQLite (embedded) and PostgreSQL (scaled mode). Gates are unique
 * by name, listed in name order and paged; an update is an atomic
 * read-modify-write (concurrent updates all land, a refused merge writes
 * nothing); a deleted gate keeps its decisions; decisions keep their whole
 * evidence, concurrent ones are all recorded, listed newest first, paged and
 * filtered; benchmark results come back per run in the order added.
 * On PostgreSQL, two stores on one database (two evaluator replicas) share
 * every gate, decision and result, and a database gone answers UNAVAILABLE
 * (runs, gates and benchmarks alike), never INTERNAL.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { common, evaluator } from '@l1g1/contracts';
import { errors, L1g1Error } from '@l1g1/kit';
import { openPostgresBenchmarkStore } from '../src/adapters/postgres-benchmark-store';
import { openPostgresEvaluationStore } from '../src/adapters/postgres-evaluation-store';
import { openPostgresGateStore } from '../src/adapters/postgres-gate-store';
import { openSqliteBenchmarkStore } from '../src/adapters/sqlite-benchmark-store';
import { openSqliteGateStore } from '../src/adapters/sqlite-gate-store';
import type { BenchmarkStore } from '../src/benchmark/benchmark-store';
import type { GateStore } from '../src/gates/gate-store';
import { startTestPostgres, truncateTables, usePostgres } from '../../../test/support/postgres';

const { COMPARISON_GREATER_OR_EQUAL: GE } = evaluator.Comparison;

const gate = (name: string, over: Partial<evaluator.Gate> = {}): evaluator.Gate =>
  evaluator.Gate.fromPartial({
    name,
    description: `gate ${name}`,
    thresholds: [{ metric: 'macro_f1', comparison: GE, value: 0.9 }],
    dataset: { name: 'mails', snapshot: 3 },
    split: 'test',
    baselineAlias: 'production',
    promoteAlias: 'production',
    maxLatencyP95Ms: 25,
    createdAt: new Date('2026-01-02T03:04:05.000Z'),
    updatedAt: new Date('2026-01-02T03:04:05.000Z'),
    ...over,
  });

const decision = (id: string, gateName: string, model: string, version: number, over: Partial<evaluator.GateDecision> = {}): evaluator.GateDecision =>
  evaluator.GateDecision.fromPartial({
    decisionId: id,
    gateName,
    model: { name: model, selector: { $case: 'version', value: version } },
    passed: false,
    results: [{ threshold: { metric: 'macro_f1', comparison: GE, value: 0.9 }, actual: 0.85, compared: 0.85, passed: false }],
    reasons: ['macro_f1 0.8500 < 0.9000'],
    evaluationRunId: `run-${id}`,
    decidedAt: new Date('2026-01-02T03:04:05.000Z'),
    decidedBy: 'release-bot',
    ...over,
  });

const result = (runId: string, batchSize: number): evaluator.BenchmarkResult =>
  evaluator.BenchmarkResult.fromPartial({
    runId,
    batchSize,
    requests: 40,
    rows: 40 * batchSize,
    errors: 1,
    durationMs: 120,
    throughputRowsPerS: 333.25,
    requestsPerS: 325,
    latency: { p50Us: 900, p95Us: 1500, p99Us: 2100, meanUs: 1000, maxUs: 2500 },
    model: { name: 'mailclf', selector: { $case: 'version', value: 2 } },
    precision: common.Precision.PRECISION_FP16,
    device: 'cpu',
    target: evaluator.BenchmarkTarget.BENCHMARK_TARGET_INFERENCE_GRPC,
    concurrency: 2,
    finishedAt: new Date('2026-01-02T03:04:05.000Z'),
  });

/** Mocha hooks of a contract: a fresh store before each test (read it with the answer), closed after it. */
function freshEach<S extends { close(): Promise<void> }>(open: () => Promise<S>): () => S {
  let store: S | undefined;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(async () => {
    await store?.close();
  });
  return () => {
    if (!store) throw new Error('the store opens in beforeEach');
    return store;
  };
}

const names = (gates: evaluator.Gate[]): string[] => gates.map((g) => g.name);
const ids = (ds: evaluator.GateDecision[]): string[] => ds.map((d) => d.decisionId);

function describeGateContract(engine: string, open: () => Promise<GateStore>): void {
  describe(`GateStore on ${engine}`, () => {
    const fresh = freshEach(open);

    it('creates a gate once per name and reads it back whole', async () => {
      const store = fresh();
      assert.equal(await store.create(gate('g1')), true);
      assert.equal(await store.create(gate('g1', { description: 'second' })), false, 'a second create of the name is refused');
      assert.deepEqual(await store.get('g1'), gate('g1'), 'the first gate is kept, every field intact');
      assert.equal(await store.get('nope'), undefined);
    });

    it('lists in name order and pages after the last name', async () => {
      const store = fresh();
      for (const n of ['c', 'a', 'd', 'b']) await store.create(gate(n));
      assert.deepEqual(names(await store.list(10)), ['a', 'b', 'c', 'd']);
      assert.deepEqual(names(await store.list(2)), ['a', 'b']);
      assert.deepEqual(names(await store.list(2, 'b')), ['c', 'd']);
      assert.deepEqual(names(await store.list(2, 'd')), []);
    });

    it('updates atomically: concurrent updates of different tags all land', async () => {
      const store = fresh();
      await store.create(gate('g'));
      const n = 12;
      await Promise.all(
        Array.from({ length: n }, (_, i) =>
          store.update('g', (current) => ({ ...current, tags: { ...current.tags, [`t${i}`]: String(i) } })),
        ),
      );
      const tags = (await store.get('g'))?.tags ?? {};
      assert.deepEqual(Object.keys(tags).sort(), Array.from({ length: n }, (_, i) => `t${i}`).sort(), 'no update was lost');
    });

    it('answers undefined for a missing gate and writes nothing when the merge throws', async () => {
      const store = fresh();
      assert.equal(await store.update('nope', (g) => g), undefined);
      await store.create(gate('g'));
      await assert.rejects(
        store.update('g', (g) => {
          g.description = 'half-written';
          throw errors.invalidArgument('thresholds[0].metric', 'unknown');
        }),
        /unknown/,
      );
      assert.equal((await store.get('g'))?.description, 'gate g', 'a refused update leaves the gate as it was');
      const updated = await store.update('g', (g) => ({ ...g, description: 'changed' }));
      assert.equal(updated?.description, 'changed');
      assert.equal((await store.get('g'))?.description, 'changed');
    });

    it('deletes a gate once and keeps its decisions (the audit trail)', async () => {
      const store = fresh();
      await store.create(gate('g'));
      await store.addDecision(decision('d1', 'g', 'm', 1));
      assert.equal(await store.delete('g'), true);
      assert.equal(await store.delete('g'), false);
      assert.equal(await store.get('g'), undefined);
      assert.deepEqual(ids(await store.listDecisions({ gateName: 'g' }, 10)), ['d1']);
    });

    it('keeps a decision’s whole evidence', async () => {
      const store = fresh();
      const d = decision('d1', 'g', 'm', 2, {
        passed: true,
        results: [{ threshold: { metric: 'accuracy', comparison: GE, value: 0.01, relativeToBaseline: true }, actual: 0.93, baseline: 0.9, compared: 0.03, passed: true }],
        reasons: [],
        baselineVersion: 1,
        baselineRunId: 'run-base',
        promoted: true,
        promotedAlias: 'production',
        previousAliasVersion: 1,
        latencyP95Ms: 3.25,
        latencyBatchSize: 4,
        benchmarkRunId: 'bench-1',
      });
      await store.addDecision(d);
      assert.deepEqual(await store.listDecisions({}, 10), [d]);
    });

    it('records concurrent decisions of one gate, lists newest first, pages and filters', async () => {
      const store = fresh();
      await store.addDecision(decision('first', 'g', 'm', 1));
      await Promise.all(Array.from({ length: 8 }, (_, i) => store.addDecision(decision(`c${i}`, 'g', 'm', 2))));
      await store.addDecision(decision('other-gate', 'h', 'm', 2));
      await store.addDecision(decision('other-model', 'g', 'n', 2));
      await store.addDecision(decision('last', 'g', 'm', 3));
      const all = ids(await store.listDecisions({}, 100));
      assert.equal(all.length, 12, 'every concurrent decision is recorded');
      assert.deepEqual(all.slice(0, 3), ['last', 'other-model', 'other-gate']);
      assert.equal(all[all.length - 1], 'first');
      assert.deepEqual(all.slice(3, 11).sort(), Array.from({ length: 8 }, (_, i) => `c${i}`));
      // Pages of 5 walk the whole list once, in order.
      const paged: string[] = [];
      let before: string | undefined;
      for (let page = 0; page < 5; page++) {
        const rows = ids(await store.listDecisions({}, 5, before));
        paged.push(...rows);
        if (rows.length < 5) break;
        before = rows[rows.length - 1];
      }
      assert.deepEqual(paged, all);
      assert.deepEqual(ids(await store.listDecisions({ gateName: 'h' }, 10)), ['other-gate']);
      assert.deepEqual(ids(await store.listDecisions({ modelName: 'n' }, 10)), ['other-model']);
      assert.deepEqual(ids(await store.listDecisions({ gateName: 'g', modelName: 'm', modelVersion: 3 }, 10)), ['last']);
      assert.deepEqual(ids(await store.listDecisions({ modelName: 'm', modelVersion: 1 }, 10)), ['first']);
      assert.deepEqual(ids(await store.listDecisions({}, 10, 'no-such-decision')), [], 'an unknown cursor gives an empty page');
    });

    it('orders promotions of one alias: each reads what the previous one set, recorded in that order; a failed one records nothing', async () => {
      const store = fresh();
      const { alias, failed } = await promoteConcurrently([store], [1, 2, 3, 4, 5]);
      assert.match(String(failed), /registry down/);
      assertPromotionChain(await store.listDecisions({}, 10), alias, 5);
    });
  });
}

/**
 * Promotes `versions` concurrently through `stores` (round robin) against one
 * stand-in alias, with a turn of the event loop between reading and moving
 * it (the registry round trip, when another promotion could read the same
 * alias); one promotion in the middle fails.
 */
async function promoteConcurrently(stores: GateStore[], versions: number[]): Promise<{ alias: number; failed: unknown }> {
  let alias = 0;
  const promote = (version: number, i: number) =>
    (stores[i % stores.length] as GateStore).addPromotedDecision('["m","prod"]', async () => {
      const previous = alias;
      await new Promise((resolve) => setImmediate(resolve));
      alias = version;
      return decision(`p${version}`, 'g', 'm', version, { passed: true, promoted: true, promotedAlias: 'prod', previousAliasVersion: previous, reasons: [] });
    });
  const failing = (stores[0] as GateStore).addPromotedDecision('["m","prod"]', async () => {
    throw new Error('registry down');
  });
  const half = Math.floor(versions.length / 2);
  const settled = await Promise.allSettled([...versions.slice(0, half).map(promote), failing, ...versions.slice(half).map((v, i) => promote(v, i + half))]);
  const failed = settled.find((r) => r.status === 'rejected');
  assert.equal(settled.filter((r) => r.status === 'rejected').length, 1, 'only the failing promotion fails');
  return { alias, failed: failed?.status === 'rejected' ? failed.reason : undefined };
}

/** Newest first: each promoted decision replaced the one recorded before it; the newest names the alias now. */
function assertPromotionChain(listed: evaluator.GateDecision[], alias: number, count: number): void {
  const versions = listed.map((d) => (d.model?.selector?.$case === 'version' ? d.model.selector.value : -1));
  assert.equal(listed.length, count, 'every promotion but the failed one is recorded');
  assert.equal(versions[0], alias, 'the newest promoted decision names the version the alias points at');
  listed.forEach((d, i) => assert.equal(d.previousAliasVersion, versions[i + 1] ?? 0, `decision for version ${versions[i]} replaced the one recorded before it`));
}

function describeBenchmarkContract(engine: string, open: () => Promise<BenchmarkStore>): void {
  describe(`BenchmarkStore on ${engine}`, () => {
    const fresh = freshEach(open);

    it('answers one run’s results whole, in the order they were added', async () => {
      const store = fresh();
      await store.add(result('r1', 8));
      await store.add(result('r2', 1));
      await store.add(result('r1', 1));
      await store.add(result('r1', 32));
      assert.deepEqual(await store.get('r1'), [result('r1', 8), result('r1', 1), result('r1', 32)]);
      assert.deepEqual(await store.get('r2'), [result('r2', 1)]);
      assert.deepEqual(await store.get('nope'), []);
    });
  });
}

describe('evaluator: gate and benchmark stores', () => {
  it('every evaluator store on PostgreSQL answers UNAVAILABLE with a stable message, not INTERNAL, when its database has gone', async function () {
    this.timeout(120_000);
    // A cluster of its own, to stop under the stores.
    const own = await startTestPostgres();
    if (typeof own === 'string') {
      console.log(`      (skipped: ${own})`);
      this.skip();
    }
    const runs = await openPostgresEvaluationStore(own.url);
    const gates = await openPostgresGateStore(own.url);
    const benchmarks = await openPostgresBenchmarkStore(own.url);
    try {
      await gates.create(gate('before'));
      await own.stop();
      const calls: [string, () => Promise<unknown>][] = [
        ['the evaluator run database', () => runs.get('r')],
        ['the evaluator gate database', () => gates.get('before')],
        ['the evaluator gate database', () => gates.addPromotedDecision('k', async () => decision('d', 'before', 'm', 1))],
        ['the evaluator benchmark database', () => benchmarks.get('r')],
      ];
      for (const [what, call] of calls) {
        const err = await call().then(
          () => assert.fail('a store answered without its database'),
          (e: unknown) => e,
        );
        assert.ok(err instanceof L1g1Error, String(err));
        assert.equal(err.kind, 'UNAVAILABLE');
        assert.equal(err.reason, 'DATABASE_UNAVAILABLE');
        assert.equal(err.message, `${what} is unavailable; retry shortly`);
      }
    } finally {
      await Promise.all([runs.close(), gates.close(), benchmarks.close()]);
      await own.stop();
    }
  });

  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'l1g1-gate-store-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  describeGateContract('SQLite', async () => openSqliteGateStore(join(dir, `gates-${n++}.db`)));
  describeBenchmarkContract('SQLite', async () => openSqliteBenchmarkStore(join(dir, `benchmarks-${n++}.db`)));

  describe('on PostgreSQL', () => {
    const pg = usePostgres();
    const truncate = (tables: string): Promise<void> => truncateTables(pg.url, tables);
    describeGateContract('PostgreSQL', async () => {
      const store = await openPostgresGateStore(pg.url);
      await truncate('evaluator_gates, evaluator_gate_decisions');
      return store;
    });
    describeBenchmarkContract('PostgreSQL', async () => {
      const store = await openPostgresBenchmarkStore(pg.url);
      await truncate('evaluator_benchmark_results');
      return store;
    });

    it('two stores on one database (two replicas) share gates, decisions and benchmark results', async () => {
      const [gatesA, gatesB] = [await openPostgresGateStore(pg.url), await openPostgresGateStore(pg.url)];
      const [benchA, benchB] = [await openPostgresBenchmarkStore(pg.url), await openPostgresBenchmarkStore(pg.url)];
      try {
        await truncate('evaluator_gates, evaluator_gate_decisions, evaluator_benchmark_results');
        assert.equal(await gatesA.create(gate('shared')), true);
        assert.equal(await gatesB.create(gate('shared')), false, 'the name is taken on every replica');
        assert.deepEqual(names(await gatesB.list(10)), ['shared']);
        // Updates from both replicas at once merge; decisions from both are all kept.
        await Promise.all([
          ...Array.from({ length: 6 }, (_, i) => (i % 2 ? gatesA : gatesB).update('shared', (g) => ({ ...g, tags: { ...g.tags, [`t${i}`]: 'x' } }))),
          ...Array.from({ length: 6 }, (_, i) => (i % 2 ? gatesA : gatesB).addDecision(decision(`d${i}`, 'shared', 'm', 1))),
        ]);
        assert.equal(Object.keys((await gatesA.get('shared'))?.tags ?? {}).length, 6);
        assert.deepEqual(ids(await gatesA.listDecisions({ gateName: 'shared' }, 10)).sort(), ids(await gatesB.listDecisions({ gateName: 'shared' }, 10)).sort());
        assert.equal((await gatesB.listDecisions({ gateName: 'shared' }, 10)).length, 6);
        // Promotions from both replicas at once are ordered by one lock.
        const { alias } = await promoteConcurrently([gatesA, gatesB], [1, 2, 3, 4, 5, 6]);
        assertPromotionChain(await gatesB.listDecisions({ gateName: 'g' }, 10), alias, 6);
        await benchA.add(result('run', 4));
        assert.deepEqual(await benchB.get('run'), [result('run', 4)]);
      } finally {
        await Promise.all([gatesA.close(), gatesB.close(), benchA.close(), benchB.close()]);
      }
    });
  });
});
